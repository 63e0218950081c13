using AzureSqlFunctions.Sql;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>
/// The schema's row-level security predicates (Database/Schema/Security.*.sql) as the tables behind the TDS peer play
/// them, over the session context each statement ran under: what a session may see (filter) and what a write may do
/// (block, answered with SQL Server's 33504). The keys are the app's own <see cref="SessionContext"/> constants, which
/// the schema tests hold equal to the keys the predicate functions read.
/// </summary>
internal static class PlayedRowLevelSecurity
{
    public const int BlockedError = 33504;

    /// <summary><c>Security.OwnerPredicate</c>: the row is the session's owner's.</summary>
    public static bool IsOwner(SqlRequest request, string ownerId)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ContextValue(SessionContext.OwnerIdKey) is string owner && string.Equals(owner, ownerId, StringComparison.Ordinal);
    }

    /// <summary><c>Security.TodoReadPredicate</c>: the owner's todo, or (purge session) one soft-deleted before the cutoff.</summary>
    public static bool SeesTodo(SqlRequest request, string ownerId, DateTimeOffset? deletedAt) =>
        IsOwner(request, ownerId) || MayPurgeTodo(request, deletedAt);

    /// <summary><c>Security.TodoPurgePredicate</c>: the purge session's soft-deleted todo past its cutoff.</summary>
    public static bool MayPurgeTodo(SqlRequest request, DateTimeOffset? deletedAt)
    {
        ArgumentNullException.ThrowIfNull(request);
        return deletedAt is { } deleted && request.ContextValue(SessionContext.PurgeDeletedBeforeKey) is DateTimeOffset cutoff && deleted < cutoff;
    }

    /// <summary><c>Security.CreateRequestReadPredicate</c>: the owner's record, or (purge session) one created before the cutoff.</summary>
    public static bool SeesCreateRequest(SqlRequest request, string ownerId, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(request);
        return IsOwner(request, ownerId)
            || (request.ContextValue(SessionContext.PurgeCreatedBeforeKey) is DateTimeOffset cutoff && createdAt < cutoff);
    }

    /// <summary>SQL Server's answer to a write a block predicate refuses (the whole statement fails, nothing changes).</summary>
    public static SqlResponse Blocked(string table) => SqlResponse.Error(
        BlockedError,
        $"The attempted operation failed because the target object 'appdb.dbo.{table}' has a block predicate that conflicts with this operation. " +
        "If the operation is performed on a view, the block predicate might be enforced on the underlying table. " +
        "Modify the operation to target only the rows that are allowed by the block predicate.");
}
