using System.Collections.Concurrent;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The one static <see cref="SqlConnection.AccessTokenCallback"/> of the process. SqlClient keys its connection
/// pools on the callback delegate, so every connection gets this same delegate: a token rotation, or a new
/// <see cref="SqlConnection"/> per invocation, never makes a new pool. SqlClient calls it only for a physical login;
/// it finds the <see cref="AccessTokenSource"/> registered for the login's server and database.
/// </summary>
internal static class SqlAccessTokenCallback
{
    public static readonly Func<SqlAuthenticationParameters, CancellationToken, Task<SqlAuthenticationToken>> Instance = GetTokenAsync;

    private static readonly ConcurrentDictionary<TargetKey, AccessTokenSource> Sources = new();

    /// <summary>
    /// Routes logins to <paramref name="dataSource"/>/<paramref name="database"/> to <paramref name="source"/>.
    /// Returns the source it replaced, if a different one was registered (its pooled sessions belong to another identity).
    /// </summary>
    public static AccessTokenSource? Register(string dataSource, string database, AccessTokenSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        AccessTokenSource? replaced = null;
        Sources.AddOrUpdate(
            new TargetKey(dataSource, database),
            source,
            (_, previous) =>
            {
                replaced = ReferenceEquals(previous, source) ? null : previous;
                return source;
            });
        return replaced;
    }

    private static async Task<SqlAuthenticationToken> GetTokenAsync(SqlAuthenticationParameters parameters, CancellationToken cancellationToken)
    {
        if (!Sources.TryGetValue(new TargetKey(parameters.ServerName, parameters.DatabaseName), out var source))
        {
            throw new AccessTokenUnavailableException(
                $"No access token source is registered for server '{parameters.ServerName}', database '{parameters.DatabaseName}'. Connections must come from SqlConnectionFactory.");
        }

        var token = await source.GetTokenAsync(AccessTokenSource.ScopeFor(parameters.Resource), cancellationToken).ConfigureAwait(false);
        return new SqlAuthenticationToken(token.Token, token.ExpiresOn);
    }

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
