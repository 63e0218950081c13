using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Middleware;

/// <summary>
/// The unit of work around each HTTP- or timer-triggered invocation (the shape of eShop's TransactionBehavior): gives
/// the function one <see cref="InvocationConnection"/> through <see cref="FunctionContext.Items"/> (made when the
/// function first asks for it, carrying the caller's owner id as its session context when
/// <see cref="BearerTokenMiddleware"/> found a caller), runs the function, commits unless the invocation was cancelled,
/// and disposes the connection in every case (rolling back what was not committed).
/// For an HTTP invocation, a SQL, token or pool availability failure becomes a 503 problem with Retry-After, and any
/// other failure a 500 problem with the invocation id, as the invocation's result; the ASP.NET Core integration writes
/// it after this returns. A timer invocation's failure propagates, so the host's retry policy applies.
/// </summary>
internal sealed partial class UnitOfWorkMiddleware(SqlConnectionFactory factory, SqlMetrics metrics, ILogger<UnitOfWorkMiddleware> logger)
    : IFunctionsWorkerMiddleware
{
    // Decided once per function (its bindings never change), not by scanning bindings on every invocation; the last
    // function's decision is found again by its definition's reference (the worker keeps one definition per function)
    // without hashing its id.
    private readonly ConcurrentDictionary<string, Decision> _triggers = new(StringComparer.Ordinal);
    private Decision? _last;

    private enum TriggerKind
    {
        Other,
        Http,
        Timer,
    }

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var trigger = TriggerFor(context);
        if (trigger == TriggerKind.Other)
        {
            return next(context);
        }

        // This middleware is the mark that the invocation runs in a unit of work: the function's first ask for its
        // connection makes it (GetInvocationConnection), so an invocation that never asks allocates nothing.
        context.Items[FunctionContextSqlExtensions.ItemKey] = this;
        Task running;
        try
        {
            running = next(context);
        }
        catch (Exception ex)
        {
            running = Task.FromException(ex);
        }

        // The common end of a function that finished at once without touching SQL (the liveness probe, the OpenAPI
        // document): nothing to commit, roll back or close, so no asynchronous machinery is set up for it.
        if (running.IsCompletedSuccessfully && !context.CancellationToken.IsCancellationRequested)
        {
            var asked = AskedConnection(context);
            if (asked is null || !asked.IsOpened)
            {
                context.Items.Remove(FunctionContextSqlExtensions.ItemKey);
                End(asked);
                return Task.CompletedTask;
            }
        }

        return EndAsync(context, trigger, running).AsTask();
    }

    /// <summary>The invocation's connection, for a function inside this unit of work that asks for it the first time.</summary>
    internal InvocationConnection NewConnection(FunctionContext context)
    {
        // An authenticated caller's statements run under their owner id (row-level security); a timer declares its own.
        var owner = context.FindCaller() is { } caller ? SessionContext.ForOwner(OwnerId.Of(caller)) : null;
        return new InvocationConnection(factory, metrics, context.CancellationToken, owner);
    }

    /// <summary>The connection the function asked for, if it asked.</summary>
    private static InvocationConnection? AskedConnection(FunctionContext context) =>
        context.Items.TryGetValue(FunctionContextSqlExtensions.ItemKey, out var item) ? item as InvocationConnection : null;

    /// <summary>Ends an invocation whose connection was never opened (or never asked for).</summary>
    private void End(InvocationConnection? unopened)
    {
        if (unopened is null)
        {
            metrics.InvocationEnded(opened: false);
        }
        else
        {
            unopened.EndUnopened();
        }
    }

    /// <summary>Waits for the function, then commits unless cancelled, answers HTTP failures, and disposes.</summary>
    /// <remarks>
    /// Its state machine is pooled: an invocation that awaits the database allocates only the task the worker awaits,
    /// not a new state machine as well. The connection is looked up once the function is done (it may ask late).
    /// </remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask EndAsync(FunctionContext context, TriggerKind trigger, Task running)
    {
        InvocationConnection? connection = null;
        try
        {
            await running;
            connection = AskedConnection(context);
            var cancellation = context.CancellationToken;
            if (cancellation.IsCancellationRequested)
            {
                // Cancelled, but the function swallowed it: nothing is committed.
                if (trigger == TriggerKind.Http)
                {
                    context.GetInvocationResult().Value = connection is not null && await connection.RollBackAsync() == UnitOfWorkOutcome.Unknown
                        ? Unknown(context, new OperationCanceledException(cancellation))
                        : SqlFailureProblems.Cancelled(context.InvocationId);
                }

                return;
            }

            if (connection is not null)
            {
                await connection.CompleteAsync();
            }
        }
        catch (Exception ex) when (trigger == TriggerKind.Http)
        {
            // "Nothing was saved" only once the rollback is done; an unacknowledged commit or rollback is said as such.
            connection ??= AskedConnection(context);
            var outcome = ex is OutcomeUnknownException ? UnitOfWorkOutcome.Unknown
                : connection is null ? UnitOfWorkOutcome.None
                : await connection.RollBackAsync();
            context.GetInvocationResult().Value = outcome == UnitOfWorkOutcome.Unknown ? Unknown(context, ex) : Answer(context, ex);
        }
        finally
        {
            connection ??= AskedConnection(context);
            context.Items.Remove(FunctionContextSqlExtensions.ItemKey);
            if (connection is null)
            {
                End(null);
            }
            else
            {
                await connection.DisposeAsync();
            }
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

    private TriggerKind TriggerFor(FunctionContext context)
    {
        var definition = context.FunctionDefinition;
        var last = Volatile.Read(ref _last);
        if (last is not null && ReferenceEquals(last.Definition, definition))
        {
            return last.Kind;
        }

        last = _triggers.GetOrAdd(context.FunctionId, static (_, definition) => new Decision(definition, TriggerOf(definition)), definition);
        Volatile.Write(ref _last, last);
        return last.Kind;
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

    /// <summary>A function's trigger kind, with the definition it was decided from.</summary>
    private sealed record Decision(FunctionDefinition Definition, TriggerKind Kind);

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Invocation {InvocationId} of {Function} answered 503 {ProblemType} after {ErrorType}: {Error}")]
    private static partial void LogAnswered503(ILogger logger, string invocationId, string function, string? problemType, string errorType, string error);

    [LoggerMessage(EventId = 301, Level = LogLevel.Error, Message = "Invocation {InvocationId} of {Function} failed unexpectedly; answered 500")]
    private static partial void LogFailed(ILogger logger, string invocationId, string function, Exception exception);
}
