using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Auth;

/// <summary>How a function (or a later middleware) reaches the invocation's <see cref="Caller"/>, put there by <see cref="BearerTokenMiddleware"/>.</summary>
public static class FunctionContextCallerExtensions
{
    /// <summary>
    /// The one key under which the caller sits in <see cref="FunctionContext.Items"/>: an object of its own, hashed and
    /// compared by reference (a string key is hashed character by character on every lookup, and every HTTP
    /// invocation that opens its connection looks the caller up).
    /// </summary>
    internal static readonly object ItemKey = new();

    /// <summary>The caller of an HTTP invocation that required a token; null for timers and anonymous functions.</summary>
    public static Caller? FindCaller(this FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(ItemKey, out var value) ? value as Caller : null;
    }

    /// <summary>The caller; throws for an invocation that has none (a timer, or a function marked anonymous).</summary>
    public static Caller GetCaller(this FunctionContext context) =>
        FindCaller(context) ?? throw new InvalidOperationException(
            $"Function '{context.FunctionDefinition.Name}' has no authenticated caller: only HTTP functions not marked [AllowAnonymous] get one from {nameof(BearerTokenMiddleware)}.");
}
