namespace AzureSqlFunctions.Database.Upgrades;

/// <summary>
/// The statements that bring a table from before per-user data (no <c>OwnerId</c>) to the columns and keys of
/// <c>Schema/</c>, so that DacFx finds nothing left to rebuild: it refuses to move the data of a table under a
/// row-level security policy (SR0111), and a rebuild could not fill a NOT NULL owner anyway. <c>ALTER TABLE … ADD</c>
/// can only append a column; the deploy ignores column order (<c>IgnoreColumnOrder</c>), so the column stays last.
/// </summary>
internal static class OwnerColumnUpgradeSql
{
    public const string OwnerParameter = "@OwnerId";

    /// <summary>
    /// First in the transaction: one upgrade at a time. A second console waits here until the first has committed, and
    /// then finds nothing left to upgrade, instead of failing on a column the first one added.
    /// </summary>
    public const string OneUpgradeAtATime = """
        DECLARE @Granted int;
        EXEC @Granted = sys.sp_getapplock @Resource = N'AzureSqlFunctions.OwnerColumnUpgrade', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = -1;
        IF @Granted < 0 THROW 50010, N'Another owner upgrade holds the upgrade lock.', 1;
        """;

    /// <summary>The tables of the schema that exist in the database without an <c>OwnerId</c> column.</summary>
    public const string TablesWithoutOwner = """
        SELECT t.[name]
        FROM sys.tables AS t
        WHERE t.[schema_id] = SCHEMA_ID(N'dbo')
          AND t.[name] IN (N'Todos', N'TodoCreateRequests')
          AND NOT EXISTS (SELECT 1 FROM sys.columns AS c WHERE c.[object_id] = t.[object_id] AND c.[name] = N'OwnerId');
        """;

    /// <summary>The owner column's type, as Schema/ declares it.</summary>
    public const string OwnerColumnType = "CHAR (73) COLLATE Latin1_General_100_BIN2";

    public static readonly OwnerColumnUpgradeTable Todos = new("Todos", RekeyStatements: []);

    public static readonly OwnerColumnUpgradeTable TodoCreateRequests = new(
        "TodoCreateRequests",
        // Keys are per owner now: the primary key gains the owner in front, as Schema/ declares it.
        RekeyStatements:
        [
            "ALTER TABLE [dbo].[TodoCreateRequests] DROP CONSTRAINT [PK_TodoCreateRequests];",
            "ALTER TABLE [dbo].[TodoCreateRequests] ADD CONSTRAINT [PK_TodoCreateRequests] PRIMARY KEY CLUSTERED ([OwnerId] ASC, [IdempotencyKey] ASC);",
        ]);

    /// <summary>
    /// In the order their locks are taken: the app's create with an Idempotency-Key reads dbo.TodoCreateRequests
    /// (UPDLOCK, HOLDLOCK) before it writes dbo.Todos, so the upgrade locks them in that order too, not the other way
    /// round into a deadlock with a running app.
    /// </summary>
    public static IReadOnlyList<OwnerColumnUpgradeTable> Tables { get; } = [TodoCreateRequests, Todos];

    /// <summary>
    /// For the dry run: what an upgrade of both tables with rows sends, one batch per statement (GO), in one transaction.
    /// </summary>
    public static string Script() => string.Join(
        "\nGO\n",
        Tables.Select(table => table.CountAndLock)
            .Concat(Tables.SelectMany(table => table.Statements(fill: true)))
            .Prepend(TablesWithoutOwner.TrimEnd())
            .Prepend(OneUpgradeAtATime.TrimEnd())
            .Prepend("BEGIN TRANSACTION;")
            .Append("COMMIT TRANSACTION;")
            .Select(statement => statement.Replace(OwnerParameter, "'<tid>:<oid>'", StringComparison.Ordinal)));
}

/// <summary>One table's upgrade; every statement names the table (a constant), none takes anything but the owner.</summary>
/// <param name="Name">The table's name in <c>dbo</c>.</param>
/// <param name="RekeyStatements">Keys that change with the owner column, after it is NOT NULL.</param>
internal sealed record OwnerColumnUpgradeTable(string Name, IReadOnlyList<string> RekeyStatements)
{
    /// <summary>Counts the rows and holds an exclusive table lock to the end of the transaction.</summary>
    public string CountAndLock => $"SELECT COUNT_BIG(*) FROM [dbo].[{Name}] WITH (TABLOCKX, HOLDLOCK);";

    /// <summary>Adds the owner column, nullable until it is filled.</summary>
    public string AddColumn => $"ALTER TABLE [dbo].[{Name}] ADD [OwnerId] {OwnerColumnUpgradeSql.OwnerColumnType} NULL;";

    /// <summary>Gives every existing row the named owner.</summary>
    public string FillColumn => $"UPDATE [dbo].[{Name}] SET [OwnerId] = {OwnerColumnUpgradeSql.OwnerParameter};";

    /// <summary>Makes the column NOT NULL, as the schema declares it.</summary>
    public string RequireColumn => $"ALTER TABLE [dbo].[{Name}] ALTER COLUMN [OwnerId] {OwnerColumnUpgradeSql.OwnerColumnType} NOT NULL;";

    /// <summary>The changing statements in order; <paramref name="fill"/> when the table has rows.</summary>
    public IEnumerable<string> Statements(bool fill) =>
        (fill ? new[] { AddColumn, FillColumn, RequireColumn } : [AddColumn, RequireColumn]).Concat(RekeyStatements);
}
