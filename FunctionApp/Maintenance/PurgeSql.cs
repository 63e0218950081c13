using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Maintenance;

/// <summary>The purge job's statements: bounded batches, so each delete stays short and its log small.</summary>
internal static class PurgeSql
{
    /// <summary>Idempotency-Key records past their retention (their todos stay: they are purged on their own terms).</summary>
    [SqlParameters("@Batch int, @Cutoff datetimeoffset")]
    public const string DeleteExpiredCreateRequests =
        "DELETE TOP (@Batch) FROM dbo.TodoCreateRequests WHERE CreatedAt < @Cutoff;";

    [SqlParameters("@Batch int, @Cutoff datetimeoffset")]
    public const string DeleteBatch =
        "DELETE TOP (@Batch) FROM dbo.Todos WHERE DeletedAt IS NOT NULL AND DeletedAt < @Cutoff;";
}
