using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Maintenance;

/// <summary>The purge job's one statement: a bounded batch, so each delete stays short and its log small.</summary>
internal static class PurgeSql
{
    [SqlParameters("@Batch int, @Cutoff datetimeoffset")]
    public const string DeleteBatch =
        "DELETE TOP (@Batch) FROM dbo.Todos WHERE DeletedAt IS NOT NULL AND DeletedAt < @Cutoff;";
}
