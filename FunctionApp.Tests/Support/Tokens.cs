using Azure.Core;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace AzureSqlFunctions.Tests.Support;

internal static class Tokens
{
    public const string SqlScope = "https://database.windows.net/.default";

    public static AccessToken At(TimeProvider time, TimeSpan lifetime, string text, TimeSpan? refreshIn = null)
    {
        var now = time.GetUtcNow();
        return new AccessToken(text, now + lifetime, refreshIn is { } r ? now + r : null);
    }

    public static AccessTokenSource Source(TokenCredential credential, TimeProvider time, SqlMetrics? metrics = null) =>
        new(credential, time, NullLogger<AccessTokenSource>.Instance, metrics ?? new SqlMetrics());
}
