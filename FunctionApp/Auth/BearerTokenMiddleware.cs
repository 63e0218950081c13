using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// The gate in front of every HTTP function: validates the caller's bearer token (<see cref="BearerTokenValidator"/>)
/// and puts the <see cref="Caller"/> in <see cref="FunctionContext.Items"/>; a refused call is answered here (401, 400,
/// 403 or 503 as the invocation result) and goes no further, so the unit of work never starts and no SQL runs. It runs
/// after the ASP.NET Core integration's middleware (which writes the result) and before the unit of work. Timers and
/// functions marked <c>[AllowAnonymous]</c> pass untouched. <c>X-MS-CLIENT-PRINCIPAL</c> (App Service Authentication)
/// is never read: anyone can send it where that feature is off. No token text is ever logged.
/// </summary>
internal sealed partial class BearerTokenMiddleware(BearerTokenValidator validator, ILogger<BearerTokenMiddleware> logger) : IFunctionsWorkerMiddleware
{
    // Decided once per function: its bindings and attributes never change.
    private readonly ConcurrentDictionary<string, bool> _guarded = new(StringComparer.Ordinal);

    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        // A function that needs no token (a timer, liveness) passes straight through, without an async step.
        return _guarded.GetOrAdd(context.FunctionId, static (_, definition) => NeedsToken(definition), context.FunctionDefinition)
            ? GuardAsync(context, next)
            : next(context);
    }

    private async Task GuardAsync(FunctionContext context, FunctionExecutionDelegate next)
    {
        var request = context.GetHttpContext()?.Request;
        var check = request is null ? BearerCheck.Missing : await validator.CheckAsync(request);
        if (check.Caller is { } caller)
        {
            context.Items[FunctionContextCallerExtensions.ItemKey] = caller;
            await next(context);
            return;
        }

        LogRefused(logger, context.InvocationId, context.FunctionDefinition.Name, check.Outcome, check.Description);
        context.GetInvocationResult().Value = BearerAnswers.For(check, validator.Options, context.InvocationId);
    }

    private static bool NeedsToken(FunctionDefinition definition) =>
        definition.InputBindings.Values.Any(binding => string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase))
        && !AnonymousFunctions.AllowsAnonymous(definition);

    [LoggerMessage(EventId = 610, Level = LogLevel.Information, Message = "Invocation {InvocationId} of {Function} refused: {Outcome}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string invocationId, string function, BearerOutcome outcome, string reason);
}
