using System.Collections.Concurrent;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The one static <see cref="SqlConnection.AccessTokenCallback"/> of the process. SqlClient keys its connection
/// pools on the callback delegate, so every connection gets this same delegate: a token rotation, or a new
/// <see cref="SqlConnection"/> per invocation, never makes a new pool. SqlClient calls it only for a physical login;
/// it finds the <see cref="AccessTokenSource"/> registered for the login's server and database, and gives a token only
/// for a resource on that registration's allow list (the server names the resource: a server asking for a storage or
/// management token gets nothing, and a warning is logged).
/// </summary>
/// <remarks>
/// SqlClient turns whatever the callback throws into a SqlException numbered 0 that keeps only the exception's type
/// name and message. So every failure leaves here as an <see cref="AccessTokenUnavailableException"/> — including
/// SqlClient's own cancellation of the callback at its connect timeout — and <see cref="FailureIn"/> recognises it.
/// </remarks>
internal static class SqlAccessTokenCallback
{
    public static readonly Func<SqlAuthenticationParameters, CancellationToken, Task<SqlAuthenticationToken>> Instance = GetTokenAsync;

    private static readonly string FailureMarker = typeof(AccessTokenUnavailableException).FullName + ": ";

    private static readonly ConcurrentDictionary<TargetKey, Registration> Sources = new();

    /// <summary>
    /// Routes logins to <paramref name="dataSource"/>/<paramref name="database"/> to <paramref name="source"/>, for the
    /// <paramref name="allowedResources"/> only. Returns the source it replaced, if a different one was registered (its
    /// pooled sessions belong to another identity).
    /// </summary>
    public static AccessTokenSource? Register(string dataSource, string database, AccessTokenSource source, IReadOnlyList<string> allowedResources)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(allowedResources);
        var registration = new Registration(source, [.. allowedResources.Select(Normalize)], string.Join(", ", allowedResources));
        AccessTokenSource? replaced = null;
        Sources.AddOrUpdate(
            new TargetKey(dataSource, database),
            registration,
            (_, previous) =>
            {
                replaced = ReferenceEquals(previous.Source, source) ? null : previous.Source;
                return registration;
            });
        return replaced;
    }

    /// <summary>The callback's own failure message, when <paramref name="exception"/> is SqlClient's report of it.</summary>
    public static string? FailureIn(Exception exception)
    {
        for (var current = exception; current is not null; current = current is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[^1] : current.InnerException)
        {
            if (current is SqlException { Number: 0 } sql)
            {
                foreach (SqlError error in sql.Errors)
                {
                    var at = error.Message.IndexOf(FailureMarker, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        return error.Message[(at + FailureMarker.Length)..];
                    }
                }
            }
        }

        return null;
    }

    private static async Task<SqlAuthenticationToken> GetTokenAsync(SqlAuthenticationParameters parameters, CancellationToken cancellationToken)
    {
        if (!Sources.TryGetValue(new TargetKey(parameters.ServerName, parameters.DatabaseName), out var registration))
        {
            throw new AccessTokenUnavailableException(
                $"No access token source is registered for server '{parameters.ServerName}', database '{parameters.DatabaseName}'. Connections must come from SqlConnectionFactory.");
        }

        var source = registration.Source;
        if (string.IsNullOrWhiteSpace(parameters.Resource) || !registration.AllowedResources.Contains(Normalize(parameters.Resource)))
        {
            source.ReportRefusedResource(parameters.Resource, parameters.ServerName);
            throw new AccessTokenUnavailableException(
                $"The server asked for a token for resource '{parameters.Resource}', which is not an allowed database resource: none was fetched. Allowed: {registration.Described} (Sql__AllowedTokenResources).");
        }

        try
        {
            var token = await source.GetTokenAsync(AccessTokenSource.ScopeFor(parameters.Resource), cancellationToken).ConfigureAwait(false);
            return new SqlAuthenticationToken(token.Token, token.ExpiresOn);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // SqlClient cancels the callback when the connection's Connect Timeout runs out.
            throw new AccessTokenUnavailableException(
                $"No access token from {source.CredentialName} within the connection's Connect Timeout; the credential request goes on for later logins.");
        }
        catch (Exception ex) when (ex is not AccessTokenUnavailableException)
        {
            throw new AccessTokenUnavailableException($"{source.CredentialName} failed: {ex.GetType().Name}.", ex);
        }
    }

    /// <summary>Resources compare without case and trailing slash: SqlClient may name either form.</summary>
    private static string Normalize(string resource) => resource.Trim().TrimEnd('/').ToUpperInvariant();

    private sealed record Registration(AccessTokenSource Source, HashSet<string> AllowedResources, string Described);

    private readonly record struct TargetKey
    {
        public TargetKey(string? dataSource, string? database)
        {
            DataSource = (dataSource ?? string.Empty).Trim().ToUpperInvariant();
            Database = (database ?? string.Empty).Trim().ToUpperInvariant();
        }

        public string DataSource { get; }

        public string Database { get; }
    }
}
