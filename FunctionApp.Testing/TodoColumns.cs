using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// The columns of a todo as the app reads them (its select list), typed as dbo.Todos declares them: what the TDS peer
/// answers for a todo read, for the tests' table and the benchmarks alike.
/// </summary>
internal static class TodoColumns
{
    public static readonly IReadOnlyList<TdsColumn> All =
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
}
