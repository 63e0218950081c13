using System.Globalization;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using Dapper;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Health;

/// <summary>
/// <c>GET /api/health</c>: gets an access token through the app's token source and makes a SQL round trip on the
/// invocation's connection, each within <see cref="HealthSettings.CheckTimeout"/>. 200 when both work; otherwise 503
/// with the same report (the failing part says why, briefly) and Retry-After. Failures are answered, not thrown,
/// so a probe always gets the report.
/// </summary>
internal sealed partial class HealthHandler(AccessTokenSource tokens, HealthSettings settings, TimeProvider time, ILogger<HealthHandler> logger)
{
    public async Task<ApiResult> CheckAsync(InvocationConnection sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var token = await CheckTokenAsync(sql.CancellationToken);
        var database = await CheckSqlAsync(sql);
        var healthy = token.Status == HealthStatus.Healthy && database.Status == HealthStatus.Healthy;
        var report = new HealthReport(healthy ? HealthStatus.Healthy : HealthStatus.Unhealthy, token, database);
        if (healthy)
        {
            return ApiResult.Json(200, report);
        }

        return ApiResult.Json(503, report, new Dictionary<string, string> { ["Retry-After"] = ApiResult.RetryAfterSeconds(settings.RetryAfter) });
    }

    private async Task<TokenHealth> CheckTokenAsync(CancellationToken invocationCancelled)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.CheckTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, invocationCancelled);
        try
        {
            await tokens.GetTokenAsync(settings.TokenScope, linked.Token);
            return new TokenHealth(HealthStatus.Healthy, ElapsedMs(started), tokens.CredentialName);
        }
        catch (Exception ex) when (!invocationCancelled.IsCancellationRequested)
        {
            var error = Describe(ex, timeout);
            LogCheckFailed(logger, "token", error, ex);
            return new TokenHealth(HealthStatus.Unhealthy, ElapsedMs(started), tokens.CredentialName, error);
        }
    }

    private async Task<SqlHealth> CheckSqlAsync(InvocationConnection sql)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(settings.CheckTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, sql.CancellationToken);
        try
        {
            // The open follows the invocation's own bounds; waiting for it is bounded here.
            var connection = await sql.GetOpenConnectionAsync().WaitAsync(linked.Token);
            var answer = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                HealthSql.Ping, transaction: sql.Transaction, commandTimeout: CommandTimeoutSeconds(), cancellationToken: linked.Token));
            return answer == 1
                ? new SqlHealth(HealthStatus.Healthy, ElapsedMs(started))
                : new SqlHealth(HealthStatus.Unhealthy, ElapsedMs(started), $"SELECT 1 answered {answer}");
        }
        catch (Exception ex) when (!sql.CancellationToken.IsCancellationRequested)
        {
            var error = Describe(ex, timeout);
            LogCheckFailed(logger, "sql", error, ex);
            return new SqlHealth(HealthStatus.Unhealthy, ElapsedMs(started), error);
        }
    }

    /// <summary>A short reason for the report: the failure's kind, never its full text (which may name servers or users).</summary>
    private string Describe(Exception exception, CancellationTokenSource timeout) => exception switch
    {
        // SqlClient reports a cancelled command as a SqlException ("Operation cancelled by user"), hence the token test.
        _ when timeout.IsCancellationRequested => TimedOut(),
        TimeoutException => TimedOut(),
        SqlException sql when sql.Number == SqlFailureClassifier.Timeout => TimedOut(),
        SqlException sql => $"SQL error {sql.Number}",
        AccessTokenUnavailableException => "no access token",
        _ => exception.GetType().Name,
    };

    private string TimedOut() => string.Create(CultureInfo.InvariantCulture, $"timed out after {settings.CheckTimeout.TotalSeconds:0.###} s");

    private int CommandTimeoutSeconds() => Math.Max(1, (int)Math.Ceiling(settings.CheckTimeout.TotalSeconds));

    private long ElapsedMs(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Health check {Check} failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string check, string reason, Exception exception);
}
