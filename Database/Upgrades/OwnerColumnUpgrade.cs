using System.Data;
using System.Globalization;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Database.Upgrades;

/// <summary>
/// Before the schema deploy: gives the tables of a database deployed before per-user data their <c>OwnerId</c>
/// column, filled with the owner named for the existing rows, and the keys that change with it — in one transaction
/// that holds each table exclusively from its count to the commit, so no row can arrive unowned in between. Without
/// an owner it changes a table only when it is empty; a table with rows stops the upgrade before anything changes.
/// A database that is new or already upgraded is left as it is.
/// </summary>
internal sealed class OwnerColumnUpgrade(TextWriter output)
{
    public const string OwnerOption = "--owner-of-existing-rows";

    public async Task RunAsync(SqlConnection connection, ExistingRowsOwner? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var transaction = (SqlTransaction)await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
        await using (var serialize = Command(connection, transaction, OwnerColumnUpgradeSql.OneUpgradeAtATime, owner: null))
        {
            await serialize.ExecuteNonQueryAsync(cancellationToken);
        }

        var tables = await TablesWithoutOwnerAsync(connection, transaction, cancellationToken);
        if (tables.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            await output.WriteLineAsync("Every table has its OwnerId column (or is new): no upgrade needed.");
            return;
        }

        var rows = new List<(OwnerColumnUpgradeTable Table, long Rows)>();
        foreach (var table in tables)
        {
            await using var count = Command(connection, transaction, table.CountAndLock, owner);
            rows.Add((table, Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture)));
        }

        var anyRows = rows.Any(entry => entry.Rows > 0);
        var counted = string.Join(", ", rows.Select(entry => $"dbo.{entry.Table.Name} {entry.Rows} row{(entry.Rows == 1 ? "" : "s")}"));
        if (owner is null && anyRows)
        {
            await transaction.RollbackAsync(cancellationToken);
            throw new OwnerColumnUpgradeRefusedException(
                $"The database was deployed before per-user data and has rows without an owner ({counted}). " +
                $"Name the user who should own them with {OwnerOption} <tid>:<oid> (the tid and oid claims of that user's " +
                "access token; with azd: azd env set AZURE_SQL_OWNER_OF_EXISTING_ROWS <tid>:<oid>). Nothing was changed.");
        }

        // All locks are held (in the app's order) before the first change.
        foreach (var (table, count) in rows)
        {
            foreach (var text in table.Statements(fill: count > 0))
            {
                await using var command = Command(connection, transaction, text, owner);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        await output.WriteLineAsync(owner is not null && anyRows
            ? $"Added OwnerId to the tables from before per-user data ({counted}); existing rows belong to {owner.Value}."
            : $"Added OwnerId to the tables from before per-user data ({counted}).");
    }

    private static async Task<List<OwnerColumnUpgradeTable>> TablesWithoutOwnerAsync(SqlConnection connection, SqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, OwnerColumnUpgradeSql.TablesWithoutOwner, owner: null);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        // In the schema's order, whatever order the catalog answers in.
        return OwnerColumnUpgradeSql.Tables.Where(table => names.Contains(table.Name)).ToList();
    }

    private static SqlCommand Command(SqlConnection connection, SqlTransaction transaction, string text, ExistingRowsOwner? owner)
    {
        // No time limit: filling a large table takes as long as it takes; Ctrl+C cancels (and rolls back).
        var command = new SqlCommand(text, connection, transaction) { CommandTimeout = 0 };
        if (owner is not null && text.Contains(OwnerColumnUpgradeSql.OwnerParameter, StringComparison.Ordinal))
        {
            command.Parameters.Add(new SqlParameter(OwnerColumnUpgradeSql.OwnerParameter, SqlDbType.Char, ExistingRowsOwner.Length) { Value = owner.Value });
        }

        return command;
    }
}
