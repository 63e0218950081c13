using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Todos;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>
/// Plays <c>dbo.Todos</c> and <c>dbo.TodoCreateRequests</c> behind the TDS peer: answers each <see cref="TodoSql"/>
/// statement (matched by its exact text) from in-memory tables, using only the parameters the client sent, with SQL
/// Server's semantics for the parts the API relies on (identity, rowversion bumps, soft delete, keyset order) —
/// transactions included: a transaction's writes (and its UPDLOCK reads) take the tables' one write lock, its changes
/// are seen by itself only, applied when the server commits it and dropped when it rolls back (explicitly, by a reset
/// or because its session ended). Identity values are not given back by a rollback, as in SQL Server.
/// </summary>
internal sealed class TodoTable
{
    public static readonly IReadOnlyList<TdsColumn> Columns =
    [
        new("Id", TdsColumnType.BigInt, Nullable: false),
        new("Title", TdsColumnType.NVarChar, Nullable: false, MaxLength: 200),
        new("Notes", TdsColumnType.NVarCharMax),
        new("DueAt", TdsColumnType.DateTimeOffset),
        new("IsDone", TdsColumnType.Bit, Nullable: false),
        new("CreatedAt", TdsColumnType.DateTimeOffset, Nullable: false),
        new("UpdatedAt", TdsColumnType.DateTimeOffset, Nullable: false),
        new("RowVersion", TdsColumnType.RowVersion, Nullable: false),
    ];

    private static readonly IReadOnlyList<TdsColumn> CreateRequestColumns =
    [
        new("RequestHash", TdsColumnType.VarBinary, Nullable: false, MaxLength: 32),
        new("Response", TdsColumnType.NVarCharMax, Nullable: false),
        new("CreatedAt", TdsColumnType.DateTimeOffset, Nullable: false),
    ];

    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, StoredTodo> _rows = [];
    private readonly Dictionary<string, StoredCreateRequest> _createRequests = new(StringComparer.Ordinal);
    private readonly Dictionary<long, StoredTodo> _pendingRows = [];
    private readonly Dictionary<string, StoredCreateRequest?> _pendingCreateRequests = new(StringComparer.Ordinal);
    private ulong? _writer;

    /// <summary>Set while a transaction (or an autocommit write) holds the write lock; completed when it lets go.</summary>
    private TaskCompletionSource? _held;
    private long _nextId = 1;
    private ulong _nextRowVersion = 0x7D0;

    /// <summary>Called with each statement before the table answers it (to arm faults at a precise point).</summary>
    public Action<SqlRequest>? BeforeAnswer { get; set; }

    /// <summary>
    /// Asked before the table with each statement and the request's cancellation (fired by attention); a non-null
    /// answer replaces the table's (a fault answered instead of the statement, which then changes nothing).
    /// </summary>
    public Func<SqlRequest, CancellationToken, ValueTask<SqlResponse?>>? AnswerFirst { get; set; }

    public DateTimeOffset Now { get; set; } = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public void Clear()
    {
        lock (_gate)
        {
            _rows.Clear();
            _createRequests.Clear();
            _nextId = 1;
            if (_held is not null || _pendingRows.Count > 0 || _pendingCreateRequests.Count > 0)
            {
                Release(); // a transaction a previous test left open no longer holds the table
            }

            BeforeAnswer = null;
            AnswerFirst = null;
        }
    }

    public StoredTodo Add(string title, bool isDone = false, DateTimeOffset? deletedAt = null)
    {
        lock (_gate)
        {
            var todo = new StoredTodo { Id = _nextId++, Title = title, IsDone = isDone, CreatedAt = Now, UpdatedAt = Now, DeletedAt = deletedAt, RowVersion = NextRowVersion() };
            _rows[todo.Id] = todo;
            return todo;
        }
    }

    /// <summary>The committed row, or null.</summary>
    public StoredTodo? Find(long id)
    {
        lock (_gate)
        {
            return _rows.GetValueOrDefault(id);
        }
    }

    /// <summary>Registers the table's handler on <paramref name="server"/>; statements it does not know fall through.</summary>
    public void ServeOn(TdsServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Handle(AnswerAsync);
        server.TransactionEnded += OnTransactionEnded;
    }

    /// <summary>Every committed row, deleted ones included, in id order (a snapshot).</summary>
    public IReadOnlyList<StoredTodo> Rows()
    {
        lock (_gate)
        {
            return [.. _rows.Values];
        }
    }

    /// <summary>The committed Idempotency-Key records (a snapshot).</summary>
    public IReadOnlyList<StoredCreateRequest> CreateRequests()
    {
        lock (_gate)
        {
            return [.. _createRequests.Values];
        }
    }

    /// <summary>Stores a key record as if an earlier create had (to test expiry).</summary>
    public void AddCreateRequest(StoredCreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            _createRequests[request.Key] = request;
        }
    }

    private static bool Writes(string text) => text is TodoSql.Insert or TodoSql.Replace or TodoSql.SoftDelete
        or TodoSql.FindCreateRequest or TodoSql.ForgetExpiredCreateRequest or TodoSql.RecordCreateRequest;

    private async ValueTask<SqlResponse?> AnswerAsync(SqlRequest request, CancellationToken cancellationToken)
    {
        if (AnswerFirst is { } first && await first(request, cancellationToken) is { } answered)
        {
            return answered;
        }

        if (!Writes(request.Text))
        {
            return Answer(request);
        }

        var descriptor = request.TransactionDescriptor;
        bool owner;
        lock (_gate)
        {
            owner = descriptor is not null && _writer == descriptor;
        }

        if (!owner)
        {
            // Another transaction writing: wait for it to end, as SQL Server's locks would (attention cuts it short).
            while (true)
            {
                Task released;
                lock (_gate)
                {
                    if (_held is null)
                    {
                        _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        _writer = descriptor;
                        break;
                    }

                    released = _held.Task;
                }

                await released.WaitAsync(cancellationToken);
            }
        }

        try
        {
            return Answer(request);
        }
        finally
        {
            if (descriptor is null)
            {
                Commit(); // autocommit: applied at once
            }
        }
    }

    private void OnTransactionEnded(TdsTransactionEnd end)
    {
        lock (_gate)
        {
            if (_writer != end.Descriptor)
            {
                return;
            }
        }

        if (end.Committed)
        {
            Commit();
        }
        else
        {
            Discard();
        }
    }

    private void Commit()
    {
        lock (_gate)
        {
            foreach (var (id, row) in _pendingRows)
            {
                _rows[id] = row;
            }

            foreach (var (key, request) in _pendingCreateRequests)
            {
                if (request is null)
                {
                    _createRequests.Remove(key);
                }
                else
                {
                    _createRequests[key] = request;
                }
            }

            Release();
        }
    }

    private void Discard()
    {
        lock (_gate)
        {
            Release();
        }
    }

    private void Release()
    {
        _pendingRows.Clear();
        _pendingCreateRequests.Clear();
        _writer = null;
        var held = _held;
        _held = null;
        held?.TrySetResult();
    }

    private SqlResponse? Answer(SqlRequest request)
    {
        BeforeAnswer?.Invoke(request);
        lock (_gate)
        {
            var mine = request.TransactionDescriptor is { } descriptor && _writer == descriptor;
            return request.Text switch
            {
                TodoSql.Insert => Insert(request),
                TodoSql.GetById => RowsOf(Live((long)request["@Id"]!, mine)),
                TodoSql.List or TodoSql.ListByDone => List(request, mine),
                TodoSql.Replace => Replace(request),
                TodoSql.CountLive => SqlResponse.Scalar(new TdsColumn(string.Empty, TdsColumnType.Int), Live((long)request["@Id"]!, mine) is null ? 0 : 1),
                TodoSql.SoftDelete => SoftDelete((long)request["@Id"]!),
                TodoSql.FindCreateRequest => FindCreateRequest((string)request["@Key"]!),
                TodoSql.ForgetExpiredCreateRequest => ForgetCreateRequest((string)request["@Key"]!, (DateTimeOffset)request["@NotBefore"]!),
                TodoSql.RecordCreateRequest => RecordCreateRequest(request),
                _ => null,
            };
        }
    }

    private SqlResponse Insert(SqlRequest request)
    {
        var todo = new StoredTodo { Id = _nextId++, CreatedAt = Now, UpdatedAt = Now, RowVersion = NextRowVersion() };
        Assign(todo, request);
        _pendingRows[todo.Id] = todo;
        return RowsOf(todo);
    }

    private SqlResponse List(SqlRequest request, bool mine)
    {
        var limit = Convert.ToInt32(request["@Limit"], System.Globalization.CultureInfo.InvariantCulture);
        var after = (long)request["@After"]!;
        var done = request.Text == TodoSql.ListByDone ? (bool?)request["@Done"] : null;
        var page = Visible(mine)
            .Where(t => t.DeletedAt is null && t.Id > after && (done is null || t.IsDone == done))
            .Take(limit);
        return SqlResponse.Rows(Columns, page.Select(ToRow).ToList());
    }

    private SqlResponse Replace(SqlRequest request)
    {
        var todo = Live((long)request["@Id"]!, mine: true);
        var expected = (byte[])request["@RowVersion"]!;
        if (todo is null || !todo.RowVersion.AsSpan().SequenceEqual(expected))
        {
            return SqlResponse.Rows(Columns, []);
        }

        var changed = todo.Copy();
        Assign(changed, request);
        changed.UpdatedAt = Now;
        changed.RowVersion = NextRowVersion();
        _pendingRows[changed.Id] = changed;
        return RowsOf(changed);
    }

    private SqlResponse SoftDelete(long id)
    {
        var todo = Live(id, mine: true);
        if (todo is null)
        {
            return SqlResponse.Affected(0);
        }

        var changed = todo.Copy();
        changed.DeletedAt = Now;
        changed.UpdatedAt = Now;
        _pendingRows[id] = changed;
        return SqlResponse.Affected(1);
    }

    private SqlResponse FindCreateRequest(string key) =>
        CreateRequestOf(key) is { } found
            ? SqlResponse.Rows(CreateRequestColumns, [[found.RequestHash, found.Response, found.CreatedAt]])
            : SqlResponse.Rows(CreateRequestColumns, []);

    private SqlResponse ForgetCreateRequest(string key, DateTimeOffset notBefore)
    {
        if (CreateRequestOf(key) is not { } found || found.CreatedAt >= notBefore)
        {
            return SqlResponse.Affected(0);
        }

        _pendingCreateRequests[key] = null;
        return SqlResponse.Affected(1);
    }

    private SqlResponse RecordCreateRequest(SqlRequest request)
    {
        var key = (string)request["@Key"]!;
        if (CreateRequestOf(key) is not null)
        {
            return SqlResponse.Error(2627, $"Violation of PRIMARY KEY constraint 'PK_TodoCreateRequests'. Cannot insert duplicate key in object 'dbo.TodoCreateRequests'. The duplicate key value is ({key}).", 14);
        }

        // SYSUTCDATETIME(): the real clock, which the app's retention compares against (Now is only the todos' stamp).
        _pendingCreateRequests[key] = new StoredCreateRequest(key, (byte[])request["@RequestHash"]!, (long)request["@TodoId"]!, (string)request["@Response"]!, DateTimeOffset.UtcNow);
        return SqlResponse.Affected(1);
    }

    /// <summary>The transaction's own view (its pending changes over the committed rows), or the committed rows.</summary>
    private IEnumerable<StoredTodo> Visible(bool mine) =>
        mine && _pendingRows.Count > 0
            ? _rows.Values.Where(r => !_pendingRows.ContainsKey(r.Id)).Concat(_pendingRows.Values).OrderBy(r => r.Id)
            : _rows.Values;

    private StoredTodo? Live(long id, bool mine)
    {
        var todo = mine && _pendingRows.TryGetValue(id, out var pending) ? pending : _rows.GetValueOrDefault(id);
        return todo is { DeletedAt: null } ? todo : null;
    }

    private StoredCreateRequest? CreateRequestOf(string key) =>
        _pendingCreateRequests.TryGetValue(key, out var pending) ? pending : _createRequests.GetValueOrDefault(key);

    private static void Assign(StoredTodo todo, SqlRequest request)
    {
        todo.Title = (string)request["@Title"]!;
        todo.Notes = (string?)request["@Notes"];
        todo.DueAt = (DateTimeOffset?)request["@DueAt"];
        todo.IsDone = (bool)request["@IsDone"]!;
    }

    private static SqlResponse RowsOf(StoredTodo? todo) => SqlResponse.Rows(Columns, todo is null ? [] : [ToRow(todo)]);

    private static object?[] ToRow(StoredTodo t) => [t.Id, t.Title, t.Notes, t.DueAt, t.IsDone, t.CreatedAt, t.UpdatedAt, t.RowVersion];

    private byte[] NextRowVersion()
    {
        var bytes = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, _nextRowVersion++);
        return bytes;
    }
}
