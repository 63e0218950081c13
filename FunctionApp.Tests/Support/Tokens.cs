using Azure.Core;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Tests.Support;

internal static class Tokens
{
    public const string SqlScope = "https://database.windows.net/.default";

    public static AccessToken At(TimeProvider time, TimeSpan lifetime, string text, TimeSpan? refreshIn = null)
    {
        var now = time.GetUtcNow();
        return new AccessToken(text, now + lifetime, refreshIn is { } r ? now + r : null);
    }

    /// <summary>Connect Timeout=30, as infra sets it: a token is served while it outlives 30 s + the 60 s margin.</summary>
    public const string ProductionConnectionString = "Server=tcp:contoso.database.windows.net,1433;Database=appdb;Encrypt=True;Connect Timeout=30";

    public static AccessTokenSource Source(TokenCredential credential, TimeProvider time, SqlMetrics? metrics = null, TimeSpan? requestTimeout = null) =>
        new(credential, time, NullLogger<AccessTokenSource>.Instance, metrics ?? new SqlMetrics(), Options.Create(new SqlOptions
        {
            ConnectionString = ProductionConnectionString,
            TokenRequestTimeout = requestTimeout ?? new SqlOptions().TokenRequestTimeout,
        }));
}
