using AzureSqlFunctions.Database.Upgrades;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Tests.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The upgrade from before per-user data as the console runs it before the deploy: real SqlClient with an Entra token
/// over TLS against the TDS peer playing the two tables. Rows get the named owner, the columns and keys end as
/// Schema/ declares them, all in one transaction; rows without a named owner stop it before anything changes; a fault
/// half-way rolls everything back; a new or upgraded database is left alone.
/// </summary>
[TestFixture]
[NonParallelizable]
internal sealed class OwnerColumnUpgradeTests
{
    private const string Owner = "72f988bf-86f1-41af-91ab-2d7cd011db47:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";
    private static readonly OwnerColumnUpgradeTable Todos = OwnerColumnUpgradeSql.Todos;
    private static readonly OwnerColumnUpgradeTable Requests = OwnerColumnUpgradeSql.TodoCreateRequests;

    private TdsTestContext context = null!;
    private readonly List<TdsTransactionEnd> transactionEnds = [];

    [SetUp]
    public void StartServer()
    {
        context = TdsTestContext.Start();
        transactionEnds.Clear();
        context.Server.TransactionEnded += end =>
        {
            lock (transactionEnds)
            {
                transactionEnds.Add(end);
            }
        };
    }

    [TearDown]
    public async Task StopServer() => await context.DisposeAsync();

    [Test]
    public async Task Rows_get_the_named_owner_and_the_tables_end_as_the_schema_declares_them_in_one_transaction()
    {
        var database = new SimulatedPreOwnerDatabase().WithPreOwnerTable(Todos, rows: 3).WithPreOwnerTable(Requests, rows: 1);

        var output = await UpgradeAsync(database, ExistingRowsOwner.Parse(Owner.ToUpperInvariant()));

        var statements = Sent();
        Assert.Multiple(() =>
        {
            Assert.That(statements.Select(s => s.Text), Is.EqualTo(new[]
            {
                OwnerColumnUpgradeSql.OneUpgradeAtATime, OwnerColumnUpgradeSql.TablesWithoutOwner,
                Requests.CountAndLock, Todos.CountAndLock,
                Requests.AddColumn, Requests.FillColumn, Requests.RequireColumn, Requests.RekeyStatements[0], Requests.RekeyStatements[1],
                Todos.AddColumn, Todos.FillColumn, Todos.RequireColumn,
            }), "every lock (in the app's order: key records, then todos) before the first change");
            Assert.That(statements.Select(s => s.TransactionDescriptor).Distinct().Count(), Is.EqualTo(1), "one transaction");
            Assert.That(statements.All(s => s.TransactionDescriptor is not null), Is.True);
            Assert.That(
                statements.Where(s => s.Parameters.Count > 0).Select(s => (s.Text, s.Parameters.Single().Name, s.Parameters.Single().Value)),
                Is.EqualTo(new[] { (Requests.FillColumn, "@OwnerId", (object?)Owner), (Todos.FillColumn, "@OwnerId", Owner) }),
                "the owner goes as a parameter, lowercase as the app writes it");
            Assert.That(Ends(), Is.EqualTo(new[] { true }), "committed once");
            Assert.That(database.Committed(Todos), Is.EqualTo(new SimulatedPreOwnerDatabase.Table(true, false, [Owner, Owner, Owner], "Id")).Using<SimulatedPreOwnerDatabase.Table>(SameTable));
            Assert.That(database.Committed(Requests), Is.EqualTo(new SimulatedPreOwnerDatabase.Table(true, false, [Owner], "OwnerId, IdempotencyKey")).Using<SimulatedPreOwnerDatabase.Table>(SameTable));
            Assert.That(output, Does.Contain($"Added OwnerId to the tables from before per-user data (dbo.TodoCreateRequests 1 row, dbo.Todos 3 rows); existing rows belong to {Owner}."));
        });
    }

    [Test]
    public async Task Rows_without_a_named_owner_stop_the_upgrade_before_anything_changes()
    {
        var database = new SimulatedPreOwnerDatabase().WithPreOwnerTable(Todos, rows: 2).WithPreOwnerTable(Requests, rows: 0);

        var refused = Assert.ThrowsAsync<OwnerColumnUpgradeRefusedException>(() => UpgradeAsync(database, owner: null));

        Assert.Multiple(() =>
        {
            Assert.That(refused!.Message, Does.Contain("has rows without an owner (dbo.TodoCreateRequests 0 rows, dbo.Todos 2 rows)"));
            Assert.That(refused.Message, Does.Contain("--owner-of-existing-rows <tid>:<oid>").And.Contain("AZURE_SQL_OWNER_OF_EXISTING_ROWS"));
            Assert.That(refused.Message, Does.EndWith("Nothing was changed."));
            Assert.That(Sent().Select(s => s.Text), Is.EqualTo(new[] { OwnerColumnUpgradeSql.OneUpgradeAtATime, OwnerColumnUpgradeSql.TablesWithoutOwner, Requests.CountAndLock, Todos.CountAndLock }));
            Assert.That(Ends(), Is.EqualTo(new[] { false }), "rolled back");
            Assert.That(database.Committed(Todos)!.HasOwnerColumn, Is.False);
        });
    }

    [Test]
    public async Task Empty_tables_are_upgraded_without_an_owner_and_without_an_update()
    {
        var database = new SimulatedPreOwnerDatabase().WithPreOwnerTable(Todos, rows: 0).WithPreOwnerTable(Requests, rows: 0);

        var output = await UpgradeAsync(database, owner: null);

        Assert.Multiple(() =>
        {
            Assert.That(Sent().Select(s => s.Text), Does.Not.Contain(Todos.FillColumn).And.Not.Contain(Requests.FillColumn));
            Assert.That(Sent().SelectMany(s => s.Parameters), Is.Empty);
            Assert.That(database.Committed(Todos), Is.EqualTo(new SimulatedPreOwnerDatabase.Table(true, false, [], "Id")).Using<SimulatedPreOwnerDatabase.Table>(SameTable));
            Assert.That(database.Committed(Requests), Is.EqualTo(new SimulatedPreOwnerDatabase.Table(true, false, [], "OwnerId, IdempotencyKey")).Using<SimulatedPreOwnerDatabase.Table>(SameTable));
            Assert.That(output, Is.EqualTo("Added OwnerId to the tables from before per-user data (dbo.TodoCreateRequests 0 rows, dbo.Todos 0 rows)." + Environment.NewLine));
        });
    }

    [Test]
    public async Task A_database_from_before_idempotency_keys_upgrades_only_its_Todos()
    {
        var database = new SimulatedPreOwnerDatabase().WithPreOwnerTable(Todos, rows: 1);

        await UpgradeAsync(database, ExistingRowsOwner.Parse(Owner));

        Assert.Multiple(() =>
        {
            Assert.That(Sent().Select(s => s.Text), Is.EqualTo(new[]
            {
                OwnerColumnUpgradeSql.OneUpgradeAtATime, OwnerColumnUpgradeSql.TablesWithoutOwner, Todos.CountAndLock, Todos.AddColumn, Todos.FillColumn, Todos.RequireColumn,
            }));
            Assert.That(database.Committed(Todos)!.Owners, Is.EqualTo(new[] { Owner }));
            Assert.That(database.Committed(Requests), Is.Null, "the deploy creates it");
        });
    }

    [Test]
    public async Task An_upgraded_or_new_database_is_left_as_it_is()
    {
        var database = new SimulatedPreOwnerDatabase().WithUpgradedTable(Todos, rows: 4, Owner).WithUpgradedTable(Requests, rows: 0, Owner);

        var output = await UpgradeAsync(database, ExistingRowsOwner.Parse(Owner));

        Assert.Multiple(() =>
        {
            Assert.That(Sent().Select(s => s.Text), Is.EqualTo(new[] { OwnerColumnUpgradeSql.OneUpgradeAtATime, OwnerColumnUpgradeSql.TablesWithoutOwner }));
            Assert.That(output, Does.Contain("no upgrade needed"));
        });
    }

    [Test]
    public async Task A_fault_half_way_rolls_everything_back_and_a_second_run_completes()
    {
        var database = new SimulatedPreOwnerDatabase().WithPreOwnerTable(Todos, rows: 2).WithPreOwnerTable(Requests, rows: 1);
        database.FailOn = Requests.RekeyStatements[1];

        var failed = Assert.ThrowsAsync<SqlException>(() => UpgradeAsync(database, ExistingRowsOwner.Parse(Owner)));

        Assert.Multiple(() =>
        {
            Assert.That(failed!.Number, Is.EqualTo(1750));
            Assert.That(Ends(), Is.EqualTo(new[] { false }), "rolled back when the transaction was disposed");
            Assert.That(database.Committed(Todos), Is.EqualTo(new SimulatedPreOwnerDatabase.Table(false, true, [null, null], "Id")).Using<SimulatedPreOwnerDatabase.Table>(SameTable));
            Assert.That(database.Committed(Requests)!.PrimaryKey, Is.EqualTo("IdempotencyKey"));
        });

        database.FailOn = null;
        await UpgradeAsync(database, ExistingRowsOwner.Parse(Owner));

        Assert.Multiple(() =>
        {
            Assert.That(database.Committed(Todos)!.Owners, Is.EqualTo(new[] { Owner, Owner }));
            Assert.That(database.Committed(Requests)!.PrimaryKey, Is.EqualTo("OwnerId, IdempotencyKey"));
        });
    }

    [TestCase("72f988bf-86f1-41af-91ab-2d7cd011db47")]
    [TestCase("72f988bf-86f1-41af-91ab-2d7cd011db47:")]
    [TestCase("72f988bf-86f1-41af-91ab-2d7cd011db47:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13:x")]
    [TestCase("{72f988bf-86f1-41af-91ab-2d7cd011db47}:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13")]
    [TestCase("alice@contoso.com")]
    [TestCase("00000000-0000-0000-0000-000000000000:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13")]
    [TestCase("72f988bf-86f1-41af-91ab-2d7cd011db47:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13'; DROP TABLE dbo.Todos; --")]
    public void An_owner_must_be_two_Guids(string text) =>
        Assert.That(() => ExistingRowsOwner.Parse(text), Throws.ArgumentException.With.Message.Contains("is not <tenant id>:<object id>"));

    private async Task<string> UpgradeAsync(SimulatedPreOwnerDatabase database, ExistingRowsOwner? owner)
    {
        database.AnswerOn(context.Server);
        var output = new StringWriter();
        await using (var connection = context.ConnectionWithToken(TdsEncryption.Mandatory))
        {
            await connection.OpenAsync();
            await new OwnerColumnUpgrade(output).RunAsync(connection, owner, CancellationToken.None);
        }

        return output.ToString();
    }

    private List<RecordedStatement> Sent() => context.Server.Statements.Where(s => s.Text != "SELECT 1").ToList();

    private bool[] Ends()
    {
        lock (transactionEnds)
        {
            return transactionEnds.Select(end => end.Committed).ToArray();
        }
    }

    private static bool SameTable(SimulatedPreOwnerDatabase.Table a, SimulatedPreOwnerDatabase.Table b) =>
        a.HasOwnerColumn == b.HasOwnerColumn && a.OwnerNullable == b.OwnerNullable && a.PrimaryKey == b.PrimaryKey && a.Owners.SequenceEqual(b.Owners);
}
