using AzureSqlFunctions.Http;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The unit of work around one invocation, Worker-free so it is tested here with real SqlClient: creates the
/// invocation's <see cref="InvocationConnection"/>, runs the function, commits when it succeeds, rolls back when it
/// throws or is cancelled, and disposes the connection in every case. An HTTP invocation's SQL availability
/// failure (transient error, refused login, no token, exhausted pool, cancellation) comes back as a 503 problem;
/// anything else, and every failure of a non-HTTP invocation, propagates (so Functions' retry policy applies).
/// </summary>
internal sealed partial class InvocationPipeline(SqlConnectionFactory factory, SqlMetrics metrics, ILogger<InvocationPipeline> logger)
{
    /// <returns>Null when the function's own result stands; otherwise the problem to answer with.</returns>
    public async Task<ProblemDetails?> RunAsync<TState>(InvocationInfo invocation, TState state, Func<InvocationConnection, TState, Task> function)
    {
        ArgumentNullException.ThrowIfNull(function);

        // The scope costs an allocation, so only when something listens (never in the no-logging benchmarks).
        using var scope = logger.IsEnabled(LogLevel.Critical) ? logger.BeginScope(new InvocationLogScope(invocation.InvocationId, invocation.FunctionName)) : null;
        var connection = new InvocationConnection(factory, metrics, invocation.Cancellation);
        try
        {
            await function(connection, state).ConfigureAwait(false);
            if (invocation.Cancellation.IsCancellationRequested)
            {
                // Cancelled but the function swallowed it: nothing is committed.
                return invocation.IsHttp ? SqlFailureProblems.Cancelled(invocation.InvocationId) : null;
            }

            await connection.CompleteAsync().ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (invocation.IsHttp && ProblemFor(invocation, ex) is { } problem)
        {
            LogAnswered503(logger, invocation.InvocationId, invocation.FunctionName, problem.Type, ex.GetType().Name, ex.Message);
            return problem;
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    // SqlClient reports a command cancelled through its token as SqlException "Operation cancelled by user",
    // so a cancelled invocation explains whatever it threw.
    private static ProblemDetails? ProblemFor(InvocationInfo invocation, Exception exception) =>
        invocation.Cancellation.IsCancellationRequested
            ? SqlFailureProblems.Cancelled(invocation.InvocationId)
            : SqlFailureProblems.For(SqlFailureClassifier.Classify(exception), invocation.InvocationId);

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Invocation {InvocationId} of {Function} answered 503 {ProblemType} after {ErrorType}: {Error}")]
    private static partial void LogAnswered503(ILogger logger, string invocationId, string function, string problemType, string errorType, string error);
}
