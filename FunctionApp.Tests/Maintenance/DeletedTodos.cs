using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Maintenance;

/// <summary>
/// Plays the soft-deleted rows of <c>dbo.Todos</c> for <see cref="PurgeSql.DeleteBatch"/> (and, given
/// <see cref="PurgeSql.DeleteExpiredCreateRequests"/>, the Idempotency-Key records by CreatedAt): deletes at most
/// @Batch rows stamped before @Cutoff and answers the count, as SQL Server would.
/// </summary>
internal sealed class DeletedTodos
{
    private readonly Lock _gate = new();
    private readonly List<DateTimeOffset> _deletedAt = [];
    private readonly string _statement;

    /// <summary>The soft-deleted todos; <see cref="ExpiredKeys"/> plays the Idempotency-Key records beside them.</summary>
    public DeletedTodos()
        : this(PurgeSql.DeleteBatch)
    {
        ExpiredKeys = new DeletedTodos(PurgeSql.DeleteExpiredCreateRequests);
    }

    private DeletedTodos(string statement) => _statement = statement;

    /// <summary>The Idempotency-Key records by CreatedAt (none unless a test adds them), served with this table.</summary>
    public DeletedTodos? ExpiredKeys { get; }

    /// <summary>Called before each batch is answered (a test advances its clock here).</summary>
    public Action? OnBatch { get; set; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _deletedAt.Count;
            }
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _deletedAt.Clear();
            OnBatch = null;
        }

        ExpiredKeys?.Reset();
    }

    public void Add(int count, DateTimeOffset deletedAt)
    {
        lock (_gate)
        {
            _deletedAt.AddRange(Enumerable.Repeat(deletedAt, count));
        }
    }

    public void ServeOn(TdsServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Handle(Answer);
        ExpiredKeys?.ServeOn(server);
    }

    private SqlResponse? Answer(SqlRequest request)
    {
        if (request.Text != _statement)
        {
            return null;
        }

        OnBatch?.Invoke();
        var batch = Convert.ToInt32(request["@Batch"], System.Globalization.CultureInfo.InvariantCulture);
        var cutoff = (DateTimeOffset)request["@Cutoff"]!;
        lock (_gate)
        {
            var doomed = _deletedAt.Select((at, index) => (at, index)).Where(r => r.at < cutoff).Take(batch).Select(r => r.index).ToList();
            for (var i = doomed.Count - 1; i >= 0; i--)
            {
                _deletedAt.RemoveAt(doomed[i]);
            }

            return SqlResponse.Affected(doomed.Count);
        }
    }
}
