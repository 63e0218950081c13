using System.Data;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// Who an invocation's session speaks for, told to the database right after its connection opens and before any
/// other statement: read-only <c>SESSION_CONTEXT</c> keys (<c>sp_set_session_context … @read_only = 1</c>) that the
/// row-level security policies (Database/Schema/Security.*) key on. Read-only holds for the logical connection: the
/// session cannot change the value (a second set fails with 15664), and SqlClient's reset of a pooled connection
/// (RESETCONNECTION) clears it before the next invocation sets its own. An HTTP invocation's context is its caller's
/// owner id; the purge job declares its cutoffs; anything else sets none, and the policies then show it no row.
/// </summary>
internal sealed class SessionContext
{
    /// <summary>The caller's <see cref="Sql.OwnerId"/>: the rows the session may read and write.</summary>
    public const string OwnerIdKey = "OwnerId";

    /// <summary>The purge job: todos soft-deleted before this instant (now minus the retention) may be seen and deleted.</summary>
    public const string PurgeDeletedBeforeKey = "PurgeDeletedBefore";

    /// <summary>The purge job: Idempotency-Key records created before this instant (now minus 24 hours) may be seen and deleted.</summary>
    public const string PurgeCreatedBeforeKey = "PurgeCreatedBefore";

    /// <summary>The system procedure that sets a key (called by name, as an RPC).</summary>
    public const string SetProcedure = "sys.sp_set_session_context";

    private SessionContext(IReadOnlyList<SessionContextEntry> entries, TimeSpan? commandTimeout = null)
    {
        Entries = entries;
        CommandTimeout = commandTimeout;
    }

    public IReadOnlyList<SessionContextEntry> Entries { get; }

    /// <summary>The bound on each set; null: the connection's default command timeout.</summary>
    public TimeSpan? CommandTimeout { get; }

    /// <summary>A caller's session: the owner's rows only.</summary>
    public static SessionContext ForOwner(string ownerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        if (ownerId.Length != OwnerId.Length)
        {
            throw new ArgumentException($"An owner id is {OwnerId.Length} characters ('<tid>:<oid>').", nameof(ownerId));
        }

        return new([new(OwnerIdKey, ownerId, SqlDbType.Char, OwnerId.Length)]);
    }

    /// <summary>
    /// The purge job's session: no owner; only soft-deleted todos and Idempotency-Key records past their cutoffs. Each
    /// set is bounded like the job's batches (<paramref name="commandTimeout"/>), so a stuck server ends the run in time.
    /// </summary>
    public static SessionContext ForPurge(DateTimeOffset todosDeletedBefore, DateTimeOffset requestsCreatedBefore, TimeSpan commandTimeout) => new(
    [
        new(PurgeDeletedBeforeKey, todosDeletedBefore, SqlDbType.DateTimeOffset, 0),
        new(PurgeCreatedBeforeKey, requestsCreatedBefore, SqlDbType.DateTimeOffset, 0),
    ],
    commandTimeout);

    /// <summary>Sets every key, read-only, on <paramref name="connection"/> (just opened, before any other statement).</summary>
    public async Task ApplyAsync(SqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        foreach (var entry in Entries)
        {
            await using var command = new SqlCommand(SetProcedure, connection) { CommandType = CommandType.StoredProcedure };
            if (CommandTimeout is { } timeout)
            {
                command.CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds));
            }

            command.Parameters.Add(new SqlParameter("@key", SqlDbType.NVarChar, 128) { Value = entry.Key });
            command.Parameters.Add(new SqlParameter("@value", entry.Type, entry.Size) { Value = entry.Value });
            command.Parameters.Add(new SqlParameter("@read_only", SqlDbType.Bit) { Value = true });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
