using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Todos;

/// <summary>
/// Every statement the todo API sends, with the parameters each declares (checked against the schema). Each constant
/// is a whole statement (no shared fragments) so the schema check can parse every one; rows come back with the
/// columns <see cref="TodoRow"/> names. Every statement names its owner (<c>OwnerId = @OwnerId</c>, or writes it): the
/// app keeps each caller to their own rows, and the database's row-level security policy enforces it again.
/// </summary>
internal static class TodoSql
{
    /// <summary>
    /// One page in Id order after the continuation point; callers ask for one row more than they show. Two statements,
    /// not one with <c>(@Done IS NULL OR IsDone = @Done)</c>: a cached plan serves both shapes, so it could not seek on
    /// <c>IX_Todos_Live_IsDone_Id</c> when a filter is given. This one reads <c>IX_Todos_Live_Id</c>.
    /// </summary>
    [SqlParameters("@OwnerId char(73), @Limit int, @After bigint")]
    public const string List =
        "SELECT TOP (@Limit) Id, Title, Notes, DueAt, IsDone, CreatedAt, UpdatedAt, RowVersion FROM dbo.Todos " +
        "WHERE OwnerId = @OwnerId AND DeletedAt IS NULL AND Id > @After " +
        "ORDER BY Id;";

    /// <summary>A page filtered by done state: a seek on <c>IX_Todos_Live_IsDone_Id</c> (IsDone = @Done, Id > @After).</summary>
    [SqlParameters("@OwnerId char(73), @Limit int, @After bigint, @Done bit")]
    public const string ListByDone =
        "SELECT TOP (@Limit) Id, Title, Notes, DueAt, IsDone, CreatedAt, UpdatedAt, RowVersion FROM dbo.Todos " +
        "WHERE OwnerId = @OwnerId AND DeletedAt IS NULL AND IsDone = @Done AND Id > @After " +
        "ORDER BY Id;";

    [SqlParameters("@OwnerId char(73), @Id bigint")]
    public const string GetById =
        "SELECT Id, Title, Notes, DueAt, IsDone, CreatedAt, UpdatedAt, RowVersion FROM dbo.Todos WHERE Id = @Id AND OwnerId = @OwnerId AND DeletedAt IS NULL;";

    [SqlParameters("@OwnerId char(73), @Title nvarchar(200), @Notes nvarchar(max), @DueAt datetimeoffset, @IsDone bit")]
    public const string Insert =
        "INSERT INTO dbo.Todos (OwnerId, Title, Notes, DueAt, IsDone) " +
        "OUTPUT inserted.Id, inserted.Title, inserted.Notes, inserted.DueAt, inserted.IsDone, inserted.CreatedAt, inserted.UpdatedAt, inserted.RowVersion " +
        "VALUES (@OwnerId, @Title, @Notes, @DueAt, @IsDone);";

    /// <summary>Replaces a live todo only if it is still at the version the client read (optimistic concurrency).</summary>
    [SqlParameters("@OwnerId char(73), @Id bigint, @RowVersion binary(8), @Title nvarchar(200), @Notes nvarchar(max), @DueAt datetimeoffset, @IsDone bit")]
    public const string Replace =
        "UPDATE dbo.Todos SET Title = @Title, Notes = @Notes, DueAt = @DueAt, IsDone = @IsDone, UpdatedAt = SYSUTCDATETIME() " +
        "OUTPUT inserted.Id, inserted.Title, inserted.Notes, inserted.DueAt, inserted.IsDone, inserted.CreatedAt, inserted.UpdatedAt, inserted.RowVersion " +
        "WHERE Id = @Id AND OwnerId = @OwnerId AND RowVersion = @RowVersion AND DeletedAt IS NULL;";

    /// <summary>After a replace changed nothing: does the caller's todo still exist (then its version moved on)?</summary>
    [SqlParameters("@OwnerId char(73), @Id bigint")]
    public const string CountLive =
        "SELECT COUNT(*) FROM dbo.Todos WHERE Id = @Id AND OwnerId = @OwnerId AND DeletedAt IS NULL;";

    /// <summary>
    /// The stored answer of the caller's earlier create with this Idempotency-Key (keys are per owner), locked (UPDLOCK, HOLDLOCK: a key-range lock
    /// when absent) until the unit of work ends, so a concurrent retry with the same key waits, then replays.
    /// </summary>
    [SqlParameters("@OwnerId char(73), @Key varchar(100)")]
    public const string FindCreateRequest =
        "SELECT RequestHash, Response, CreatedAt FROM dbo.TodoCreateRequests WITH (UPDLOCK, HOLDLOCK) WHERE OwnerId = @OwnerId AND IdempotencyKey = @Key;";

    /// <summary>A key older than the retention that the purge has not removed yet: forgotten, so it can be used again.</summary>
    [SqlParameters("@OwnerId char(73), @Key varchar(100), @NotBefore datetimeoffset")]
    public const string ForgetExpiredCreateRequest =
        "DELETE FROM dbo.TodoCreateRequests WHERE OwnerId = @OwnerId AND IdempotencyKey = @Key AND CreatedAt < @NotBefore;";

    /// <summary>Written in the create's own transaction: the key exists exactly when the todo does.</summary>
    [SqlParameters("@OwnerId char(73), @Key varchar(100), @RequestHash binary(32), @TodoId bigint, @Response nvarchar(max)")]
    public const string RecordCreateRequest =
        "INSERT INTO dbo.TodoCreateRequests (OwnerId, IdempotencyKey, RequestHash, TodoId, Response) VALUES (@OwnerId, @Key, @RequestHash, @TodoId, @Response);";

    [SqlParameters("@OwnerId char(73), @Id bigint")]
    public const string SoftDelete =
        "UPDATE dbo.Todos SET DeletedAt = SYSUTCDATETIME(), UpdatedAt = SYSUTCDATETIME() WHERE Id = @Id AND OwnerId = @OwnerId AND DeletedAt IS NULL;";
}
