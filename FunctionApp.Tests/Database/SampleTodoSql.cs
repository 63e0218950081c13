using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// Statements of the shape the Todo API needs, kept here as known-good input for the validator's self-tests
/// (and as a starting point for the real <c>AzureSqlFunctions.Todos.TodoSql</c>).
/// </summary>
internal static class SampleTodoSql
{
    [SqlParameters("@Limit int, @After bigint, @Done bit")]
    public const string ListPage = """
        SELECT TOP (@Limit) Id, Title, Notes, DueAt, IsDone, CreatedAt, UpdatedAt, RowVersion
        FROM dbo.Todos
        WHERE DeletedAt IS NULL AND Id > @After AND (@Done IS NULL OR IsDone = @Done)
        ORDER BY Id;
        """;

    // The catch-all '(@Done IS NULL OR IsDone = @Done)' above shares one cached plan between both lists; these two
    // separate statements let each list seek its own filtered index (IX_Todos_Live_Id, IX_Todos_Live_IsDone_Id).
    [SqlParameters("@Limit int, @After bigint")]
    public const string ListLivePage = """
        SELECT TOP (@Limit) Id, Title, Notes, DueAt, IsDone, CreatedAt, UpdatedAt, RowVersion
        FROM dbo.Todos
        WHERE DeletedAt IS NULL AND Id > @After
        ORDER BY Id;
        """;

    [SqlParameters("@Limit int, @After bigint, @Done bit")]
    public const string ListLivePageByDone = """
        SELECT TOP (@Limit) Id, Title, Notes, DueAt, IsDone, CreatedAt, UpdatedAt, RowVersion
        FROM dbo.Todos
        WHERE DeletedAt IS NULL AND IsDone = @Done AND Id > @After
        ORDER BY Id;
        """;

    [SqlParameters("@Title nvarchar(200), @Notes nvarchar(max), @DueAt datetimeoffset")]
    public const string Insert = """
        INSERT INTO dbo.Todos (Title, Notes, DueAt)
        OUTPUT inserted.Id, inserted.Title, inserted.Notes, inserted.DueAt, inserted.IsDone,
               inserted.CreatedAt, inserted.UpdatedAt, inserted.RowVersion
        VALUES (@Title, @Notes, @DueAt);
        """;

    [SqlParameters("@Id bigint, @RowVersion binary(8), @Title nvarchar(200), @Notes nvarchar(max), @DueAt datetimeoffset, @IsDone bit")]
    public const string Update = """
        UPDATE dbo.Todos
        SET Title = @Title, Notes = @Notes, DueAt = @DueAt, IsDone = @IsDone, UpdatedAt = SYSUTCDATETIME()
        OUTPUT inserted.Id, inserted.Title, inserted.Notes, inserted.DueAt, inserted.IsDone,
               inserted.CreatedAt, inserted.UpdatedAt, inserted.RowVersion
        WHERE Id = @Id AND RowVersion = @RowVersion AND DeletedAt IS NULL;
        """;

    [SqlParameters("@Id bigint")]
    public const string SoftDelete = """
        UPDATE dbo.Todos
        SET DeletedAt = SYSUTCDATETIME(), UpdatedAt = SYSUTCDATETIME()
        WHERE Id = @Id AND DeletedAt IS NULL;
        """;

    [SqlParameters("@Batch int, @Cutoff datetimeoffset")]
    public const string Purge = "DELETE TOP (@Batch) FROM dbo.Todos WHERE DeletedAt < @Cutoff;";
}
