using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Todos;

/// <summary>Every statement the todo API sends, with the parameters each declares (checked against the schema).</summary>
internal static class TodoSql
{
    /// <summary>The columns a todo is read back with, in the order <see cref="TodoRow"/> names them.</summary>
    private const string Columns = "Id, Title, Notes, DueAt, IsDone, CreatedAt, UpdatedAt, RowVersion";

    private const string InsertedColumns =
        "inserted.Id, inserted.Title, inserted.Notes, inserted.DueAt, inserted.IsDone, inserted.CreatedAt, inserted.UpdatedAt, inserted.RowVersion";

    /// <summary>One page in Id order after the continuation point; callers ask for one row more than they show.</summary>
    [SqlParameters("@Limit int, @After bigint, @Done bit")]
    public const string List =
        "SELECT TOP (@Limit) " + Columns + " FROM dbo.Todos " +
        "WHERE DeletedAt IS NULL AND Id > @After AND (@Done IS NULL OR IsDone = @Done) " +
        "ORDER BY Id;";

    [SqlParameters("@Id bigint")]
    public const string GetById =
        "SELECT " + Columns + " FROM dbo.Todos WHERE Id = @Id AND DeletedAt IS NULL;";

    [SqlParameters("@Title nvarchar(200), @Notes nvarchar(max), @DueAt datetimeoffset, @IsDone bit")]
    public const string Insert =
        "INSERT INTO dbo.Todos (Title, Notes, DueAt, IsDone) " +
        "OUTPUT " + InsertedColumns + " " +
        "VALUES (@Title, @Notes, @DueAt, @IsDone);";

    /// <summary>Replaces a live todo only if it is still at the version the client read (optimistic concurrency).</summary>
    [SqlParameters("@Id bigint, @RowVersion binary(8), @Title nvarchar(200), @Notes nvarchar(max), @DueAt datetimeoffset, @IsDone bit")]
    public const string Replace =
        "UPDATE dbo.Todos SET Title = @Title, Notes = @Notes, DueAt = @DueAt, IsDone = @IsDone, UpdatedAt = SYSUTCDATETIME() " +
        "OUTPUT " + InsertedColumns + " " +
        "WHERE Id = @Id AND RowVersion = @RowVersion AND DeletedAt IS NULL;";

    /// <summary>After a replace changed nothing: does the todo still exist (then its version moved on)?</summary>
    [SqlParameters("@Id bigint")]
    public const string CountLive =
        "SELECT COUNT(*) FROM dbo.Todos WHERE Id = @Id AND DeletedAt IS NULL;";

    [SqlParameters("@Id bigint")]
    public const string SoftDelete =
        "UPDATE dbo.Todos SET DeletedAt = SYSUTCDATETIME(), UpdatedAt = SYSUTCDATETIME() WHERE Id = @Id AND DeletedAt IS NULL;";
}
