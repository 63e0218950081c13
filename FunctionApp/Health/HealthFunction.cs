using System.Globalization;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Dapper;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Health;

/// <summary>
/// Two probes. <c>GET /api/health/live</c> (anonymous) says the worker runs and answers, touching neither the
/// credential nor SQL: the platform's Health check pings it every minute, and a per-minute <c>SELECT 1</c> would keep a
/// serverless database from ever auto-pausing. <c>GET /api/health</c> (a bearer token, like the API) is the deep check: an access token
/// through the app's token source and a SQL round trip on the invocation's connection (one login attempt, no retries),
/// each within <see cref="HealthOptions.CheckTimeout"/> — an open still running at the bound is abandoned, not waited
/// for. 200 when both work; otherwise 503 with the same report (the failing part says why, briefly) and Retry-After.
/// Failures are answered, not thrown, so a probe always gets the report.
/// </summary>
public sealed partial class HealthFunction(AccessTokenSource tokens, IOptions<HealthOptions> options, TimeProvider time, ILogger<HealthFunction> logger)
{
    private readonly HealthOptions _settings = (options ?? throw new ArgumentNullException(nameof(options))).Value;

    /// <summary>The liveness answer: the worker is up; nothing else is checked, and no token is asked for.</summary>
    [Function("Liveness")]
    [AllowAnonymous]
    public static Task<IResult> Live(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health/live")] HttpRequest request) =>
        Task.FromResult<IResult>(TypedResults.Ok(new LivenessReport(HealthStatus.Alive)));

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
            // One attempt, abandoned at the check's bound: a probe reports the state now, it does not wait it out.
            var connection = await sql.GetProbeConnectionAsync(linked.Token).WaitAsync(linked.Token);
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
    private string Describe(Exception exception, CancellationTokenSource timeout) => Cause(exception) switch
    {
        // SqlClient reports a cancelled command as a SqlException ("Operation cancelled by user"), hence the token test.
        _ when timeout.IsCancellationRequested => TimedOut(),
        TimeoutException => TimedOut(),
        SqlException sql when sql.Number == SqlFailureClassifier.Timeout => TimedOut(),
        AccessTokenUnavailableException => "no access token",
        SqlException sql => string.Create(CultureInfo.InvariantCulture, $"SQL error {sql.Number}"),
        var other => other.GetType().Name,
    };

    /// <summary>The failure that says most: the app's token failure or the SQL error inside retry and task wrappers.</summary>
    private static Exception Cause(Exception exception)
    {
        for (var current = exception; current is not null; current = current is AggregateException { InnerExceptions.Count: > 0 } aggregate ? aggregate.InnerExceptions[^1] : current.InnerException)
        {
            if (current is AccessTokenUnavailableException or SqlException or TimeoutException)
            {
                return current;
            }
        }

        return exception;
    }

    private string TimedOut() => string.Create(CultureInfo.InvariantCulture, $"timed out after {_settings.CheckTimeout.TotalSeconds:0.###} s");

    private int CommandTimeoutSeconds() => Math.Max(1, (int)Math.Ceiling(_settings.CheckTimeout.TotalSeconds));

    private long ElapsedMs(long started) => (long)time.GetElapsedTime(started).TotalMilliseconds;

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "Health check {Check} failed: {Reason}")]
    private static partial void LogCheckFailed(ILogger logger, string check, string reason, Exception exception);
}
