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

    /// <summary>
    /// The invocation's one connection (not yet opened: its first use opens it). The first ask inside the unit of work
    /// makes it; later asks in the same invocation get the same one.
    /// </summary>
    public static InvocationConnection GetInvocationConnection(this FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Items.TryGetValue(ItemKey, out var value))
        {
            if (value is InvocationConnection connection)
            {
                return connection;
            }

            if (value is UnitOfWorkMiddleware unitOfWork)
            {
                var made = unitOfWork.NewConnection(context);
                context.Items[ItemKey] = made;
                return made;
            }
        }

        throw new InvalidOperationException(
            $"Function '{context.FunctionDefinition.Name}' has no invocation connection: only HTTP- and timer-triggered functions get one from {nameof(UnitOfWorkMiddleware)}, while they run.");
    }
}
