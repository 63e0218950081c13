using System.Globalization;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Health;

/// <summary>
/// <c>GET /api/health</c>: gets an access token through the app's token source and makes a SQL round trip on the
/// invocation's connection, each within <see cref="HealthOptions.CheckTimeout"/>. 200 when both work; otherwise 503
/// with the same report (the failing part says why, briefly) and Retry-After. Failures are answered, not thrown, so a
/// probe always gets the report.
/// </summary>
public sealed partial class HealthFunction(AccessTokenSource tokens, IOptions<HealthOptions> options, TimeProvider time, ILogger<HealthFunction> logger)
{
    private readonly HealthOptions _settings = (options ?? throw new ArgumentNullException(nameof(options))).Value;

    [Function("Health")]
    public async Task<IResult> Check(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sql = context.GetInvocationConnection();
        var token = await CheckTokenAsync(sql.CancellationToken);
        var database = await CheckSqlAsync(sql);
        var healthy = token.Status == HealthStatus.Healthy && database.Status == HealthStatus.Healthy;
        var report = new HealthReport(healthy ? HealthStatus.Healthy : HealthStatus.Unhealthy, token, database);
        return healthy
            ? TypedResults.Ok(report)
            : new HeaderedResult(
                TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable),
                new KeyValuePair<string, string>("Retry-After", SqlFailureProblems.RetryAfterSeconds(HealthOptions.RetryAfter)));
    }

    private async Task<TokenHealth> CheckTokenAsync(CancellationToken invocationCancelled)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(_settings.CheckTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, invocationCancelled);
        try
        {
            await tokens.GetTokenAsync(_settings.TokenScope, linked.Token);
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
        using var timeout = new CancellationTokenSource(_settings.CheckTimeout, time);
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

    private string TimedOut() => string.Create(CultureInfo.InvariantCulture, $"timed out after {_settings.CheckTimeout.TotalSeconds:0.###} s");

    private int CommandTimeoutSeconds() => Math.Max(1, (int)Math.Ceiling(_settings.CheckTimeout.TotalSeconds));

    private long ElapsedMs(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Health check {Check} failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string check, string reason, Exception exception);
}
