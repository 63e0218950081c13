using System.Globalization;
using System.Net;
using System.Text.Json;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Middleware;

/// <summary>
/// Gives each HTTP- or timer-triggered invocation exactly one <see cref="InvocationConnection"/> (opened lazily),
/// commits its unit of work when the function succeeds, rolls back and disposes otherwise. In HTTP invocations a
/// transient SQL error, a refused login or a missing token becomes a 503 problem+json with Retry-After; in timer
/// invocations the exception propagates so the Functions retry policy applies.
/// </summary>
internal sealed partial class SqlConnectionMiddleware(
    SqlConnectionFactory factory,
    SqlMetrics metrics,
    ILogger<SqlConnectionMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <summary>The <c>UseWhen</c> predicate: HTTP and timer triggers only.</summary>
    public static bool AppliesTo(FunctionContext context) => HasTrigger(context, "httpTrigger") || HasTrigger(context, "timerTrigger");

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var connection = new InvocationConnection(factory, metrics, context.CancellationToken);
        context.Items[FunctionContextSqlExtensions.ItemKey] = connection;
        try
        {
            await next(context);
            if (!context.CancellationToken.IsCancellationRequested)
            {
                await connection.CompleteAsync();
            }
        }
        catch (Exception ex) when (HasTrigger(context, "httpTrigger") && ProblemFor(context, ex) is { } problem)
        {
            LogAnswered503(logger, context.InvocationId, context.FunctionDefinition.Name, problem.Type, ex.GetType().Name, ex.Message);
            await WriteProblemAsync(context, problem);
        }
        finally
        {
            context.Items.Remove(FunctionContextSqlExtensions.ItemKey);
            await connection.DisposeAsync();
        }
    }

    private static ProblemDetails? ProblemFor(FunctionContext context, Exception exception)
    {
        if (exception is OperationCanceledException && context.CancellationToken.IsCancellationRequested)
        {
            return SqlFailureProblems.Cancelled(context.InvocationId);
        }

        return SqlFailureProblems.For(SqlFailureClassifier.Classify(exception), context.InvocationId);
    }

    private static async Task WriteProblemAsync(FunctionContext context, ProblemDetails problem)
    {
        var request = await context.GetHttpRequestDataAsync()
            ?? throw new InvalidOperationException("An HTTP-triggered invocation has no HttpRequestData.");
        var response = request.CreateResponse();
        response.StatusCode = (HttpStatusCode)problem.Status;
        response.Headers.Add("Content-Type", ProblemDetails.ContentType);
        if (problem.RetryAfter is { } retryAfter)
        {
            response.Headers.Add("Retry-After", ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture));
        }

        await response.WriteStringAsync(JsonSerializer.Serialize(problem));

        // Replaces whatever the function returned (it threw, so usually nothing).
        context.GetInvocationResult().Value = response;
    }

    private static bool HasTrigger(FunctionContext context, string triggerType)
    {
        foreach (var binding in context.FunctionDefinition.InputBindings.Values)
        {
            if (string.Equals(binding.Type, triggerType, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Invocation {InvocationId} of {Function} answered 503 {ProblemType} after {ErrorType}: {Error}")]
    private static partial void LogAnswered503(ILogger logger, string invocationId, string function, string problemType, string errorType, string error);
}
