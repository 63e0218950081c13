using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Todos;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>
/// Plays <c>dbo.Todos</c> behind the TDS peer: answers each <see cref="TodoSql"/> statement (matched by its exact
/// text) from an in-memory table, using only the parameters the client sent, with SQL Server's semantics for the
/// parts the API relies on (identity, rowversion bumps, soft delete, keyset order).
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

    private readonly Lock _gate = new();
    private readonly SortedDictionary<long, StoredTodo> _rows = [];
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
            _nextId = 1;
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

    public StoredTodo? Find(long id)
    {
        lock (_gate)
        {
            return _rows.GetValueOrDefault(id);
        }
    }

    /// <summary>Registers the table's handler on <paramref name="server"/>; statements it does not know fall through.</summary>
    public void ServeOn(TdsServer server) => server.Handle(AnswerAsync);

    /// <summary>Every row, deleted ones included, in id order (a snapshot).</summary>
    public IReadOnlyList<StoredTodo> Rows()
    {
        lock (_gate)
        {
            return [.. _rows.Values];
        }
    }

    private async ValueTask<SqlResponse?> AnswerAsync(SqlRequest request, CancellationToken cancellationToken) =>
        AnswerFirst is { } first && await first(request, cancellationToken) is { } answered ? answered : Answer(request);

    private SqlResponse? Answer(SqlRequest request)
    {
        BeforeAnswer?.Invoke(request);
        lock (_gate)
        {
            return request.Text switch
            {
                TodoSql.Insert => Insert(request),
                TodoSql.GetById => RowsOf(Live((long)request["@Id"]!)),
                TodoSql.List => List(request),
                TodoSql.Replace => Replace(request),
                TodoSql.CountLive => SqlResponse.Scalar(new TdsColumn(string.Empty, TdsColumnType.Int), Live((long)request["@Id"]!) is null ? 0 : 1),
                TodoSql.SoftDelete => SoftDelete((long)request["@Id"]!),
                _ => null,
            };
        }
    }

    private SqlResponse Insert(SqlRequest request)
    {
        var todo = new StoredTodo { Id = _nextId++, CreatedAt = Now, UpdatedAt = Now, RowVersion = NextRowVersion() };
        Assign(todo, request);
        _rows[todo.Id] = todo;
        return RowsOf(todo);
    }

    private SqlResponse List(SqlRequest request)
    {
        var limit = Convert.ToInt32(request["@Limit"], System.Globalization.CultureInfo.InvariantCulture);
        var after = (long)request["@After"]!;
        var done = (bool?)request["@Done"];
        var page = _rows.Values
            .Where(t => t.DeletedAt is null && t.Id > after && (done is null || t.IsDone == done))
            .Take(limit);
        return SqlResponse.Rows(Columns, page.Select(ToRow).ToList());
    }

    private SqlResponse Replace(SqlRequest request)
    {
        var todo = Live((long)request["@Id"]!);
        var expected = (byte[])request["@RowVersion"]!;
        if (todo is null || !todo.RowVersion.AsSpan().SequenceEqual(expected))
        {
            return SqlResponse.Rows(Columns, []);
        }

        Assign(todo, request);
        todo.UpdatedAt = Now;
        todo.RowVersion = NextRowVersion();
        return RowsOf(todo);
    }

    private SqlResponse SoftDelete(long id)
    {
        var todo = Live(id);
        if (todo is null)
        {
            return SqlResponse.Affected(0);
        }

        todo.DeletedAt = Now;
        todo.UpdatedAt = Now;
        return SqlResponse.Affected(1);
    }

    private StoredTodo? Live(long id) => _rows.TryGetValue(id, out var todo) && todo.DeletedAt is null ? todo : null;

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
