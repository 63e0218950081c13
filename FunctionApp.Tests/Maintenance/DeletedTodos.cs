using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Maintenance;

/// <summary>
/// Plays <c>dbo.Todos</c> for <see cref="PurgeSql.DeleteBatch"/> (and, given <see cref="PurgeSql.DeleteExpiredCreateRequests"/>,
/// the Idempotency-Key records by CreatedAt): deletes at most @Batch rows stamped before @Cutoff and answers the count,
/// as SQL Server would — under the row-level security policy played from the session context
/// (<see cref="PlayedRowLevelSecurity"/>): the purge session sees only rows past the cutoffs it declared, a session
/// without them sees none (and its owner's rows only), and a todo's hard delete by anyone but the purge session is
/// blocked (33504, nothing deleted). Rows belong to the harness's default user unless a test names another owner;
/// live todos (never soft-deleted) can be added too.
/// </summary>
internal sealed class DeletedTodos
{
    private readonly Lock _gate = new();
    private readonly List<(string Owner, DateTimeOffset? At)> _rows = [];
    private readonly string _statement;
    private readonly bool _todos;

    /// <summary>The soft-deleted todos; <see cref="ExpiredKeys"/> plays the Idempotency-Key records beside them.</summary>
    public DeletedTodos()
        : this(PurgeSql.DeleteBatch, todos: true)
    {
        ExpiredKeys = new DeletedTodos(PurgeSql.DeleteExpiredCreateRequests, todos: false);
    }

    private DeletedTodos(string statement, bool todos)
    {
        _statement = statement;
        _todos = todos;
    }

    /// <summary>The Idempotency-Key records by CreatedAt (none unless a test adds them), served with this table.</summary>
    public DeletedTodos? ExpiredKeys { get; }

    /// <summary>Called before each batch is answered (a test advances its clock here).</summary>
    public Action? OnBatch { get; set; }

    /// <summary>Plays the row-level security policy (on; <see cref="Reset"/> turns it back on). Off: as if it were disabled.</summary>
    public bool EnforcesPolicy { get; set; } = true;

    /// <summary>
    /// Applies the statement's own <c>WHERE … &lt; @Cutoff</c> (on; <see cref="Reset"/> turns it back on). Off: as if
    /// the purge statement had lost its condition, so only the policy limits what it deletes.
    /// </summary>
    public bool AppliesStatementFilter { get; set; } = true;

    /// <summary>While set, each batch is never answered (until attention or the client going): a stuck DELETE.</summary>
    public bool StallsBatches { get; set; }

    /// <summary>Every row still there (live todos included).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>The rows still there: owner and DeletedAt (todos; null while live) or CreatedAt (key records).</summary>
    public IReadOnlyList<(string Owner, DateTimeOffset? At)> Rows
    {
        get
        {
            lock (_gate)
            {
                return [.. _rows];
            }
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _rows.Clear();
            OnBatch = null;
            StallsBatches = false;
            EnforcesPolicy = true;
            AppliesStatementFilter = true;
        }

        ExpiredKeys?.Reset();
    }

    /// <summary>Rows soft-deleted (todos) or created (key records) at <paramref name="deletedAt"/>, the default user's.</summary>
    public void Add(int count, DateTimeOffset deletedAt) => Add(count, deletedAt, ApiSignIn.Shared.DefaultOwnerId);

    /// <param name="at">DeletedAt of todos (null: live) or CreatedAt of key records.</param>
    public void Add(int count, DateTimeOffset? at, string owner)
    {
        lock (_gate)
        {
            _rows.AddRange(Enumerable.Repeat((owner, at), count));
        }
    }

    public void ServeOn(TdsServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Handle(AnswerAsync);
        ExpiredKeys?.ServeOn(server);
    }

    private async ValueTask<SqlResponse?> AnswerAsync(SqlRequest request, CancellationToken cancellationToken)
    {
        if (request.Text != _statement)
        {
            return null;
        }

        OnBatch?.Invoke();
        if (StallsBatches)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        var batch = Convert.ToInt32(request["@Batch"], System.Globalization.CultureInfo.InvariantCulture);
        var cutoff = (DateTimeOffset)request["@Cutoff"]!;
        lock (_gate)
        {
            var doomed = _rows.Select((row, index) => (row, index))
                .Where(r => !AppliesStatementFilter || r.row.At < cutoff)
                .Where(r => !EnforcesPolicy || Sees(request, r.row))
                .Take(batch)
                .ToList();
            if (EnforcesPolicy && _todos && doomed.Any(r => !PlayedRowLevelSecurity.MayPurgeTodo(request, r.row.At)))
            {
                return PlayedRowLevelSecurity.Blocked("Todos"); // BEFORE DELETE: the whole statement fails
            }

            for (var i = doomed.Count - 1; i >= 0; i--)
            {
                _rows.RemoveAt(doomed[i].index);
            }

            return SqlResponse.Affected(doomed.Count);
        }
    }

    private bool Sees(SqlRequest request, (string Owner, DateTimeOffset? At) row) => _todos
        ? PlayedRowLevelSecurity.SeesTodo(request, row.Owner, row.At)
        : PlayedRowLevelSecurity.SeesCreateRequest(request, row.Owner, row.At!.Value);
}
