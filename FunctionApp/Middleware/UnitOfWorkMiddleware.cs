using System.Collections.Concurrent;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Middleware;

/// <summary>
/// The unit of work around each HTTP- or timer-triggered invocation (the shape of eShop's TransactionBehavior): puts
/// one <see cref="InvocationConnection"/> in <see cref="FunctionContext.Items"/> (carrying the caller's owner id as its
/// session context, when <see cref="BearerTokenMiddleware"/> found a caller), runs the function, commits unless
/// the invocation was cancelled, and disposes the connection in every case (rolling back what was not committed).
/// For an HTTP invocation, a SQL, token or pool availability failure becomes a 503 problem with Retry-After, and any
/// other failure a 500 problem with the invocation id, as the invocation's result; the ASP.NET Core integration writes
/// it after this returns. A timer invocation's failure propagates, so the host's retry policy applies.
/// </summary>
internal sealed partial class UnitOfWorkMiddleware(SqlConnectionFactory factory, SqlMetrics metrics, ILogger<UnitOfWorkMiddleware> logger)
    : IFunctionsWorkerMiddleware
{
    // Decided once per function (its bindings never change), not by scanning bindings on every invocation.
    private readonly ConcurrentDictionary<string, TriggerKind> _triggers = new(StringComparer.Ordinal);

    private enum TriggerKind
    {
        Other,
        Http,
        Timer,
    }

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var trigger = _triggers.GetOrAdd(context.FunctionId, static (_, definition) => TriggerOf(definition), context.FunctionDefinition);
        if (trigger == TriggerKind.Other)
        {
            await next(context);
            return;
        }

        var cancellation = context.CancellationToken;
        // An authenticated caller's statements run under their owner id (row-level security); a timer declares its own.
        var owner = context.FindCaller() is { } caller ? SessionContext.ForOwner(OwnerId.Of(caller)) : null;
        var connection = new InvocationConnection(factory, metrics, cancellation, owner);
        context.Items[FunctionContextSqlExtensions.ItemKey] = connection;
        try
        {
            await next(context);
            if (cancellation.IsCancellationRequested)
            {
                // Cancelled, but the function swallowed it: nothing is committed.
                if (trigger == TriggerKind.Http)
                {
                    context.GetInvocationResult().Value = await connection.RollBackAsync() == UnitOfWorkOutcome.Unknown
                        ? Unknown(context, new OperationCanceledException(cancellation))
                        : SqlFailureProblems.Cancelled(context.InvocationId);
                }

                return;
            }

            await connection.CompleteAsync();
        }
        catch (Exception ex) when (trigger == TriggerKind.Http)
        {
            // "Nothing was saved" only once the rollback is done; an unacknowledged commit or rollback is said as such.
            var outcome = ex is OutcomeUnknownException ? UnitOfWorkOutcome.Unknown : await connection.RollBackAsync();
            context.GetInvocationResult().Value = outcome == UnitOfWorkOutcome.Unknown ? Unknown(context, ex) : Answer(context, ex);
        }
        finally
        {
            context.Items.Remove(FunctionContextSqlExtensions.ItemKey);
            await connection.DisposeAsync();
        }
    }

    private Microsoft.AspNetCore.Http.IResult Answer(FunctionContext context, Exception exception)
    {
        // SqlClient reports a command cancelled through its token as SqlException "Operation cancelled by user",
        // so a cancelled invocation explains whatever it threw.
        var answer = context.CancellationToken.IsCancellationRequested
            ? SqlFailureProblems.Cancelled(context.InvocationId)
            : SqlFailureProblems.For(SqlFailureClassifier.Classify(exception), exception, context.InvocationId);
        if (answer is not null)
        {
            LogAnswered503(logger, context.InvocationId, context.FunctionDefinition.Name, SqlFailureProblems.TypeOf(answer), exception.GetType().Name, exception.Message);
            return answer;
        }

        LogFailed(logger, context.InvocationId, context.FunctionDefinition.Name, exception);
        return ApiProblems.Unexpected(context.InvocationId);
    }

    private HeaderedResult Unknown(FunctionContext context, Exception exception)
    {
        var answer = SqlFailureProblems.OutcomeUnknown(context.InvocationId);
        LogAnswered503(logger, context.InvocationId, context.FunctionDefinition.Name, SqlFailureProblems.TypeOf(answer), exception.GetType().Name, exception.Message);
        return answer;
    }

    private static TriggerKind TriggerOf(FunctionDefinition definition)
    {
        foreach (var binding in definition.InputBindings.Values)
        {
            if (string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase))
            {
                return TriggerKind.Http;
            }

            if (string.Equals(binding.Type, "timerTrigger", StringComparison.OrdinalIgnoreCase))
            {
                return TriggerKind.Timer;
            }
        }

        return TriggerKind.Other;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Invocation {InvocationId} of {Function} answered 503 {ProblemType} after {ErrorType}: {Error}")]
    private static partial void LogAnswered503(ILogger logger, string invocationId, string function, string? problemType, string errorType, string error);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Invocation {InvocationId} of {Function} failed unexpectedly; answered 500")]
    private static partial void LogFailed(ILogger logger, string invocationId, string function, Exception exception);
}
