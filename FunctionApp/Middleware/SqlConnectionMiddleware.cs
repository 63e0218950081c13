using System.Globalization;
using System.Net;
using System.Text.Json;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Http;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AzureSqlFunctions.Middleware;

/// <summary>
/// Gives each HTTP- or timer-triggered invocation exactly one <see cref="InvocationConnection"/> in
/// <see cref="FunctionContext.Items"/>, through <see cref="InvocationPipeline"/> (commit on success, roll back and
/// dispose otherwise). When the pipeline answers an HTTP invocation with a 503 problem, this writes it as the
/// invocation's result, with Retry-After. Timer invocations' failures propagate to Functions' retry policy.
/// </summary>
internal sealed class SqlConnectionMiddleware(InvocationPipeline pipeline) : IFunctionsWorkerMiddleware
{
    /// <summary>The <c>UseWhen</c> predicate: HTTP and timer triggers only.</summary>
    public static bool AppliesTo(FunctionContext context) => HasTrigger(context, "httpTrigger") || HasTrigger(context, "timerTrigger");

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var invocation = new InvocationInfo(context.InvocationId, context.FunctionDefinition.Name, HasTrigger(context, "httpTrigger"), context.CancellationToken);
        ProblemDetails? problem;
        try
        {
            problem = await pipeline.RunAsync(invocation, (context, next), static (connection, state) =>
            {
                state.context.Items[FunctionContextSqlExtensions.ItemKey] = connection;
                return state.next(state.context);
            });
        }
        finally
        {
            context.Items.Remove(FunctionContextSqlExtensions.ItemKey);
        }

        if (problem is not null)
        {
            await WriteProblemAsync(context, problem);
        }
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

        // Replaces whatever the function returned (it failed, so usually nothing).
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
}
