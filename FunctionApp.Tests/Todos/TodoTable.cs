using AzureSqlFunctions.Testing;
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
/// <remarks>
/// Rows have owners, and two layers keep them apart, each of which a test can switch off to show the other holds alone:
/// the statements' own <c>OwnerId = @OwnerId</c> (<see cref="AppliesStatementOwnerFilter"/>: the app's filter, from
/// the parameters it sent) and the row-level security policy played from each statement's session context
/// (<see cref="EnforcesPolicy"/>: other owners' rows invisible, a write to or for another owner blocked with 33504, as
/// <see cref="PlayedRowLevelSecurity"/> plays <c>Security.TodoOwnership</c> and <c>Security.CreateRequestOwnership</c>).
/// Rows a test adds belong to <see cref="DefaultOwner"/> (the harness's default user) unless it names another.
/// </remarks>
internal sealed class TodoTable
{
    public static IReadOnlyList<TdsColumn> Columns => TodoColumns.All;

    private static readonly IReadOnlyList<TdsColumn> CreateRequestColumns =
    [
        new("RequestHash", TdsColumnType.VarBinary, Nullable: false, MaxLength: 32),
        new("Response", TdsColumnType.NVarCharMax, Nullable: false),
        new("CreatedAt", TdsColumnType.DateTimeOffset, Nullable: false),
    ];

    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, StoredTodo> _rows = [];
    private readonly Dictionary<(string Owner, string Key), StoredCreateRequest> _createRequests = [];
    private readonly Dictionary<long, StoredTodo> _pendingRows = [];
    private readonly Dictionary<(string Owner, string Key), StoredCreateRequest?> _pendingCreateRequests = [];
    private ulong? _writer;
    private string? _defaultOwner;

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

    /// <summary>The owner of rows added without one: <see cref="ApiSignIn.DefaultOwnerId"/> of the shared sign-in unless set.</summary>
    public string DefaultOwner
    {
        get => _defaultOwner ??= ApiSignIn.Shared.DefaultOwnerId;
        set => _defaultOwner = value;
    }

    /// <summary>
    /// Plays the row-level security policy from each statement's session context (on; <see cref="Clear"/> turns it
    /// back on). Off: as if the policy were disabled, so only the statements' own owner filter keeps owners apart.
    /// </summary>
    public bool EnforcesPolicy { get; set; } = true;

    /// <summary>
    /// Applies the statements' own <c>OwnerId = @OwnerId</c> (on; <see cref="Clear"/> turns it back on). Off: as if
    /// the app's statements had lost their owner condition, so only the policy keeps owners apart. Inserts still
    /// write <c>@OwnerId</c> (the column cannot be left out).
    /// </summary>
    public bool AppliesStatementOwnerFilter { get; set; } = true;

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
            EnforcesPolicy = true;
            AppliesStatementOwnerFilter = true;
        }
    }

    /// <param name="owner">The owner's <c>&lt;tid&gt;:&lt;oid&gt;</c>; null: <see cref="DefaultOwner"/>.</param>
    public StoredTodo Add(string title, bool isDone = false, DateTimeOffset? deletedAt = null, string? owner = null)
    {
        lock (_gate)
        {
            var todo = new StoredTodo { Id = _nextId++, OwnerId = owner ?? DefaultOwner, Title = title, IsDone = isDone, CreatedAt = Now, UpdatedAt = Now, DeletedAt = deletedAt, RowVersion = NextRowVersion() };
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

    /// <summary>Stores a key record as if an earlier create had (to test expiry); without an owner, <see cref="DefaultOwner"/>'s.</summary>
    public void AddCreateRequest(StoredCreateRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var owned = request.OwnerId is null ? request with { OwnerId = DefaultOwner } : request;
            _createRequests[(owned.OwnerId!, owned.Key)] = owned;
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
                TodoSql.GetById => RowsOf(Reached(request, Live((long)request["@Id"]!, mine))),
                TodoSql.List or TodoSql.ListByDone => List(request, mine),
                TodoSql.Replace => Replace(request),
                TodoSql.CountLive => SqlResponse.Scalar(new TdsColumn(string.Empty, TdsColumnType.Int), Reached(request, Live((long)request["@Id"]!, mine)) is null ? 0 : 1),
                TodoSql.SoftDelete => SoftDelete(request),
                TodoSql.FindCreateRequest => FindCreateRequest(request),
                TodoSql.ForgetExpiredCreateRequest => ForgetCreateRequest(request, (DateTimeOffset)request["@NotBefore"]!),
                TodoSql.RecordCreateRequest => RecordCreateRequest(request),
                _ => null,
            };
        }
    }

    private SqlResponse Insert(SqlRequest request)
    {
        // The identity value is taken even when the policy then blocks the row, as in SQL Server.
        var todo = new StoredTodo { Id = _nextId++, OwnerId = OwnerParameter(request), CreatedAt = Now, UpdatedAt = Now, RowVersion = NextRowVersion() };
        Assign(todo, request);
        if (EnforcesPolicy && !PlayedRowLevelSecurity.IsOwner(request, todo.OwnerId))
        {
            return PlayedRowLevelSecurity.Blocked("Todos"); // AFTER INSERT
        }

        _pendingRows[todo.Id] = todo;
        return RowsOf(todo);
    }

    private SqlResponse List(SqlRequest request, bool mine)
    {
        var limit = Convert.ToInt32(request["@Limit"], System.Globalization.CultureInfo.InvariantCulture);
        var after = (long)request["@After"]!;
        var done = request.Text == TodoSql.ListByDone ? (bool?)request["@Done"] : null;
        var page = Visible(mine)
            .Where(t => t.DeletedAt is null && t.Id > after && (done is null || t.IsDone == done) && Reaches(request, t))
            .Take(limit);
        return SqlResponse.Rows(Columns, page.Select(ToRow).ToList());
    }

    private SqlResponse Replace(SqlRequest request)
    {
        var todo = Reached(request, Live((long)request["@Id"]!, mine: true));
        var expected = (byte[])request["@RowVersion"]!;
        if (todo is null || !todo.RowVersion.AsSpan().SequenceEqual(expected))
        {
            return SqlResponse.Rows(Columns, []);
        }

        if (EnforcesPolicy && !PlayedRowLevelSecurity.IsOwner(request, todo.OwnerId))
        {
            return PlayedRowLevelSecurity.Blocked("Todos"); // BEFORE UPDATE
        }

        var changed = todo.Copy();
        Assign(changed, request);
        changed.UpdatedAt = Now;
        changed.RowVersion = NextRowVersion();
        _pendingRows[changed.Id] = changed;
        return RowsOf(changed);
    }

    private SqlResponse SoftDelete(SqlRequest request)
    {
        var id = (long)request["@Id"]!;
        var todo = Reached(request, Live(id, mine: true));
        if (todo is null)
        {
            return SqlResponse.Affected(0);
        }

        if (EnforcesPolicy && !PlayedRowLevelSecurity.IsOwner(request, todo.OwnerId))
        {
            return PlayedRowLevelSecurity.Blocked("Todos"); // BEFORE UPDATE
        }

        var changed = todo.Copy();
        changed.DeletedAt = Now;
        changed.UpdatedAt = Now;
        _pendingRows[id] = changed;
        return SqlResponse.Affected(1);
    }

    private SqlResponse FindCreateRequest(SqlRequest request) =>
        ReachedCreateRequest(request) is { } found
            ? SqlResponse.Rows(CreateRequestColumns, [[found.RequestHash, found.Response, found.CreatedAt]])
            : SqlResponse.Rows(CreateRequestColumns, []);

    private SqlResponse ForgetCreateRequest(SqlRequest request, DateTimeOffset notBefore)
    {
        if (ReachedCreateRequest(request) is not { } found || found.CreatedAt >= notBefore)
        {
            return SqlResponse.Affected(0);
        }

        _pendingCreateRequests[(found.OwnerId!, found.Key)] = null;
        return SqlResponse.Affected(1);
    }

    private SqlResponse RecordCreateRequest(SqlRequest request)
    {
        var owner = OwnerParameter(request);
        var key = (string)request["@Key"]!;
        if (CreateRequestOf(owner, key) is not null)
        {
            // The primary key holds over every row, whichever the policy shows.
            return SqlResponse.Error(2627, $"Violation of PRIMARY KEY constraint 'PK_TodoCreateRequests'. Cannot insert duplicate key in object 'dbo.TodoCreateRequests'. The duplicate key value is ({owner}, {key}).", 14);
        }

        if (EnforcesPolicy && !PlayedRowLevelSecurity.IsOwner(request, owner))
        {
            return PlayedRowLevelSecurity.Blocked("TodoCreateRequests"); // AFTER INSERT
        }

        // SYSUTCDATETIME(): the real clock, which the app's retention compares against (Now is only the todos' stamp).
        _pendingCreateRequests[(owner, key)] = new StoredCreateRequest(key, (byte[])request["@RequestHash"]!, (long)request["@TodoId"]!, (string)request["@Response"]!, DateTimeOffset.UtcNow) { OwnerId = owner };
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

    private StoredCreateRequest? CreateRequestOf(string owner, string key) =>
        _pendingCreateRequests.TryGetValue((owner, key), out var pending) ? pending : _createRequests.GetValueOrDefault((owner, key));

    /// <summary>
    /// The record the statement's <c>WHERE OwnerId = @OwnerId AND IdempotencyKey = @Key</c> reaches under the policy:
    /// without the owner condition, any owner's record of that key the policy lets it see.
    /// </summary>
    private StoredCreateRequest? ReachedCreateRequest(SqlRequest request)
    {
        var key = (string)request["@Key"]!;
        var candidates = AppliesStatementOwnerFilter
            ? [CreateRequestOf(OwnerParameter(request), key)]
            : _createRequests.Keys.Concat(_pendingCreateRequests.Keys).Where(k => k.Key == key).Distinct().Select(k => CreateRequestOf(k.Owner, k.Key));
        return candidates.FirstOrDefault(found => found is not null
            && (!EnforcesPolicy || PlayedRowLevelSecurity.SeesCreateRequest(request, found.OwnerId!, found.CreatedAt)));
    }

    /// <summary>Whether a statement reaches this row: its own owner condition (if applied) and the policy's filter (if enforced).</summary>
    private bool Reaches(SqlRequest request, StoredTodo row) =>
        (!AppliesStatementOwnerFilter || string.Equals(row.OwnerId, OwnerParameter(request), StringComparison.Ordinal))
        && (!EnforcesPolicy || PlayedRowLevelSecurity.SeesTodo(request, row.OwnerId, row.DeletedAt));

    private StoredTodo? Reached(SqlRequest request, StoredTodo? row) => row is not null && Reaches(request, row) ? row : null;

    private static string OwnerParameter(SqlRequest request) => (string)request["@OwnerId"]!;

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
