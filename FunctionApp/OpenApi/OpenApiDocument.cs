using System.Text;
using AzureSqlFunctions.Auth;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.OpenApi;

/// <summary>
/// The API's OpenAPI 3.1 document (openapi.json beside this file, embedded in the assembly, linted in CI) as this
/// deployment serves it: the sign-in URLs name its tenant and authority, and the scopes its application ID URI, so a
/// client generator or an API explorer can sign in without editing. Built once.
/// </summary>
public sealed class OpenApiDocument(IOptions<AuthOptions> options)
{
    public const string ResourceName = "AzureSqlFunctions.OpenApi.openapi.json";

    // Placeholders in the committed document (valid URLs, so the linter checks them as such).
    internal const string AuthorityPlaceholder = "https://login.microsoftonline.com/organizations/";
    internal const string AppIdUriPlaceholder = "api://todo-api";

    private readonly Lazy<byte[]> _served = new(() => Encoding.UTF8.GetBytes(Serve(Committed(), options.Value)));

    /// <summary>The served document, UTF-8.</summary>
    public ReadOnlyMemory<byte> Utf8 => _served.Value;

    /// <summary>The document as committed.</summary>
    public static string Committed()
    {
        using var stream = typeof(OpenApiDocument).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The OpenAPI document is not embedded as {ResourceName}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>The committed document with this deployment's authority, application ID URI and scope.</summary>
    public static string Serve(string committed, AuthOptions auth)
    {
        ArgumentNullException.ThrowIfNull(committed);
        ArgumentNullException.ThrowIfNull(auth);
        var appIdUri = Guid.TryParse(auth.Audience, out _) ? $"api://{auth.Audience}" : auth.Audience!.TrimEnd('/');
        return committed
            .Replace(AuthorityPlaceholder, $"{auth.Instance.TrimEnd('/')}/{auth.TenantId}/", StringComparison.Ordinal)
            .Replace($"\"{AppIdUriPlaceholder}/{AuthOptions.DefaultScope}\"", $"\"{appIdUri}/{auth.Scope}\"", StringComparison.Ordinal)
            .Replace($"\"{AppIdUriPlaceholder}/", $"\"{appIdUri}/", StringComparison.Ordinal);
    }
}
