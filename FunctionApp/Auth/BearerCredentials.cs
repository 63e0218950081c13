using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// Finds the access token in a request the one way RFC 6750 §2.1 allows here: <c>Authorization: Bearer &lt;token&gt;</c>.
/// A token in the URL (<c>access_token=</c>) is refused, since URLs end up in logs and browser history.
/// </summary>
internal static class BearerCredentials
{
    private const string Scheme = "Bearer";

    /// <summary>The token, or the failure (missing or malformed) to answer with.</summary>
    public static (string? Token, BearerCheck? Failure) Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Query.ContainsKey("access_token"))
        {
            return (null, BearerCheck.Malformed("Send the access token in the Authorization header, never in the URL."));
        }

        var values = request.Headers.Authorization;
        if (values.Count == 0)
        {
            return (null, BearerCheck.Missing);
        }

        if (values.Count > 1)
        {
            return (null, BearerCheck.Malformed("Send one Authorization header."));
        }

        var header = values[0].AsSpan().Trim();
        if (!header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) || (header.Length > Scheme.Length && header[Scheme.Length] != ' '))
        {
            // Another scheme (Basic, a function key…) is no bearer token at all.
            return (null, BearerCheck.Missing);
        }

        var token = header[Scheme.Length..].Trim();
        return token.IsEmpty
            ? (null, BearerCheck.Malformed("The Authorization header names the Bearer scheme but carries no token."))
            : (token.ToString(), null);
    }
}
