using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Maintenance;

/// <summary>
/// Plays the soft-deleted rows of <c>dbo.Todos</c> for <see cref="PurgeSql.DeleteBatch"/> (and, given
/// <see cref="PurgeSql.DeleteExpiredCreateRequests"/>, the Idempotency-Key records by CreatedAt): deletes at most
/// @Batch rows stamped before @Cutoff and answers the count, as SQL Server would.
/// </summary>
internal sealed class DeletedTodos(string statement = PurgeSql.DeleteBatch)
{
    private readonly Lock _gate = new();
    private readonly List<DateTimeOffset> _deletedAt = [];

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
    }

    public void Add(int count, DateTimeOffset deletedAt)
    {
        lock (_gate)
        {
            _deletedAt.AddRange(Enumerable.Repeat(deletedAt, count));
        }
    }

    public void ServeOn(TdsServer server) => server.Handle(request =>
    {
        if (request.Text != statement)
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
    });
}
