using AzureSqlFunctions.Database.Upgrades;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The two tables of a database behind the TDS peer, as the owner upgrade finds them: which exist, whether they have
/// <c>OwnerId</c> (nullable or not), each row's owner and the primary key. It answers exactly the statements of
/// <see cref="OwnerColumnUpgradeSql"/> the way SQL Server would — a NOT NULL column over a NULL is error 515, a primary
/// key on a nullable column error 8111 — and keeps a transaction's changes apart until it commits; a rollback
/// leaves the tables as they were.
/// </summary>
internal sealed class SimulatedPreOwnerDatabase
{
    private static readonly TdsColumn NameColumn = new("name", TdsColumnType.NVarChar, Nullable: false, MaxLength: 128);
    private static readonly TdsColumn CountColumn = new("", TdsColumnType.BigInt, Nullable: false);

    private readonly Lock gate = new();
    private Dictionary<string, Table> committed = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<ulong, Dictionary<string, Table>> pending = [];

    /// <summary>A table's state: <see cref="Owners"/> holds each row's owner (null before one is given).</summary>
    public sealed record Table(bool HasOwnerColumn, bool OwnerNullable, IReadOnlyList<string?> Owners, string PrimaryKey);

    /// <summary>A statement text the database answers with an error instead (a fault mid-upgrade).</summary>
    public string? FailOn { get; set; }

    /// <summary>A table as it was before per-user data, with <paramref name="rows"/> rows.</summary>
    public SimulatedPreOwnerDatabase WithPreOwnerTable(OwnerColumnUpgradeTable table, int rows)
    {
        ArgumentNullException.ThrowIfNull(table);
        committed[table.Name] = new Table(false, true, Enumerable.Repeat<string?>(null, rows).ToList(), OldKey(table));
        return this;
    }

    /// <summary>A table as Schema/ declares it today, its rows owned by <paramref name="owner"/>.</summary>
    public SimulatedPreOwnerDatabase WithUpgradedTable(OwnerColumnUpgradeTable table, int rows, string owner)
    {
        ArgumentNullException.ThrowIfNull(table);
        committed[table.Name] = new Table(true, false, Enumerable.Repeat<string?>(owner, rows).ToList(), NewKey(table));
        return this;
    }

    public Table? Committed(OwnerColumnUpgradeTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        lock (gate)
        {
            return committed.GetValueOrDefault(table.Name);
        }
    }

    public void AnswerOn(TdsServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.TransactionEnded += end =>
        {
            lock (gate)
            {
                if (pending.Remove(end.Descriptor, out var changed) && end.Committed)
                {
                    committed = changed;
                }
            }
        };
        server.Handle(Answer);
    }

    private SqlResponse? Answer(SqlRequest request)
    {
        if (request.Text == FailOn)
        {
            return SqlResponse.Error(1750, "Could not create constraint or index. See previous errors.");
        }

        lock (gate)
        {
            var tables = Tables(request);
            if (request.Text == OwnerColumnUpgradeSql.OneUpgradeAtATime)
            {
                return SqlResponse.Empty();
            }

            if (request.Text == OwnerColumnUpgradeSql.TablesWithoutOwner)
            {
                return SqlResponse.Rows([NameColumn], tables.Where(t => !t.Value.HasOwnerColumn).Select(t => new object?[] { t.Key }));
            }

            foreach (var definition in OwnerColumnUpgradeSql.Tables)
            {
                if (!tables.TryGetValue(definition.Name, out var table))
                {
                    continue;
                }

                var (answer, changed) = Run(definition, table, request);
                if (answer is null)
                {
                    continue;
                }

                if (changed is not null)
                {
                    tables[definition.Name] = changed;
                }

                return answer;
            }

            return null;
        }
    }

    private static (SqlResponse? Answer, Table? Changed) Run(OwnerColumnUpgradeTable definition, Table table, SqlRequest request)
    {
        var text = request.Text;
        if (text == definition.CountAndLock)
        {
            return (SqlResponse.Scalar(CountColumn, (long)table.Owners.Count), null);
        }

        if (text == definition.AddColumn)
        {
            return table.HasOwnerColumn
                ? (SqlResponse.Error(2705, "Column names in each table must be unique. Column name 'OwnerId' in table 'dbo." + definition.Name + "' is specified more than once."), null)
                : (SqlResponse.Empty(), table with { HasOwnerColumn = true, OwnerNullable = true });
        }

        if (text == definition.FillColumn)
        {
            var owner = (string)request[OwnerColumnUpgradeSql.OwnerParameter]!;
            return (SqlResponse.Affected(table.Owners.Count), table with { Owners = table.Owners.Select(_ => (string?)owner).ToList() });
        }

        if (text == definition.RequireColumn)
        {
            return table.Owners.Any(owner => owner is null)
                ? (SqlResponse.Error(515, $"Cannot insert the value NULL into column 'OwnerId', table 'todos.dbo.{definition.Name}'; column does not allow nulls. UPDATE fails."), null)
                : (SqlResponse.Empty(), table with { OwnerNullable = false });
        }

        if (definition.RekeyStatements.Count == 2 && text == definition.RekeyStatements[0])
        {
            return (SqlResponse.Empty(), table with { PrimaryKey = "" });
        }

        if (definition.RekeyStatements.Count == 2 && text == definition.RekeyStatements[1])
        {
            return table.OwnerNullable
                ? (SqlResponse.Error(8111, $"Cannot define PRIMARY KEY constraint on nullable column in table '{definition.Name}'."), null)
                : (SqlResponse.Empty(), table with { PrimaryKey = NewKey(definition) });
        }

        return (null, null);
    }

    // A transaction works on its own copy from its first statement until it ends.
    private Dictionary<string, Table> Tables(SqlRequest request)
    {
        if (request.TransactionDescriptor is not { } descriptor)
        {
            return committed;
        }

        if (!pending.TryGetValue(descriptor, out var tables))
        {
            tables = new Dictionary<string, Table>(committed, StringComparer.OrdinalIgnoreCase);
            pending[descriptor] = tables;
        }

        return tables;
    }

    private static string OldKey(OwnerColumnUpgradeTable table) => table == OwnerColumnUpgradeSql.Todos ? "Id" : "IdempotencyKey";

    private static string NewKey(OwnerColumnUpgradeTable table) => table == OwnerColumnUpgradeSql.Todos ? "Id" : "OwnerId, IdempotencyKey";
}
