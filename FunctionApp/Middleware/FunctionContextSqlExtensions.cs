using AzureSqlFunctions.Sql;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Middleware;

/// <summary>How a function reaches its invocation's connection, put there by <see cref="UnitOfWorkMiddleware"/>.</summary>
internal static class FunctionContextSqlExtensions
{
    /// <summary>
    /// The one key under which the invocation connection sits in <see cref="FunctionContext.Items"/>: an object of its
    /// own, hashed and compared by reference (a string key is hashed character by character on every add and remove).
    /// </summary>
    public static readonly object ItemKey = new();

    public static InvocationConnection GetInvocationConnection(this FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(ItemKey, out var value) && value is InvocationConnection connection
            ? connection
            : throw new InvalidOperationException(
                $"Function '{context.FunctionDefinition.Name}' has no invocation connection: only HTTP- and timer-triggered functions get one from {nameof(UnitOfWorkMiddleware)}.");
    }
}
