using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Tests.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The grant as the console runs it: real SqlClient, with an Entra token over TLS, against the TDS peer answering for
/// a simulated catalog. The user must end up carrying the identity's SID; a same-named user with another SID is
/// reported and replaced; the identity under another name or a wrong object id stops the grant.
/// </summary>
[TestFixture]
[NonParallelizable]
internal sealed class IdentityGrantRunnerTests
{
    private const string UserName = "id-func-todos";
    private static readonly Guid ObjectId = Guid.Parse("6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13");
    private static readonly Guid ClientId = Guid.Parse("0d3b6a51-2c4e-4f7a-9b8d-1e2f3a4b5c6d");
    private static readonly Guid StaleClientId = Guid.Parse("9e8d7c6b-5a49-4382-a1b0-c9d8e7f6a5b4");

    private TdsTestContext context = null!;

    [SetUp]
    public void StartServer() => context = TdsTestContext.Start();

    [TearDown]
    public async Task StopServer() => await context.DisposeAsync();

    [Test]
    public async Task Creates_the_user_by_object_id_and_grants_reader_and_writer()
    {
        var catalog = new SimulatedCatalog().WithServicePrincipal(ObjectId, ClientId);

        var output = await GrantAsync(catalog);

        Assert.Multiple(() =>
        {
            Assert.That(catalog.Changes, Is.EqualTo(new[] { $"CREATE {UserName}", $"ROLE {UserName} db_datareader", $"ROLE {UserName} db_datawriter" }));
            Assert.That(catalog.Principals.Single().Sid, Is.EqualTo(ClientId.ToByteArray()));
            Assert.That(output, Does.Contain($"Granted db_datareader and db_datawriter to [{UserName}] (object id {ObjectId:D}, client id {ClientId:D})."));
            Assert.That(output, Does.Not.Contain("dropped"));
        });
    }

    [Test]
    public async Task Sends_the_inspection_then_every_statement_in_order_with_both_parameters()
    {
        var catalog = new SimulatedCatalog().WithServicePrincipal(ObjectId, ClientId);

        await GrantAsync(catalog);

        var statements = context.Server.Statements.Where(s => s.Text != "SELECT 1").ToList();
        Assert.Multiple(() =>
        {
            Assert.That(statements.Select(s => s.Text), Is.EqualTo(new[] { GrantSql.Principals }.Concat(GrantSql.For(Grant()).Select(s => s.Text))));
            foreach (var statement in statements)
            {
                Assert.That(statement.Parameters.Select(p => (p.Name, p.Value)), Is.EquivalentTo(new (string, object?)[] { ("@Name", UserName), ("@ClientId", ClientId) }), statement.Text);
            }
        });
    }

    [Test]
    public async Task A_same_named_user_with_another_sid_is_reported_dropped_and_created_for_the_identity()
    {
        var catalog = new SimulatedCatalog()
            .WithServicePrincipal(ObjectId, ClientId)
            .WithUser(UserName, StaleClientId, "db_datareader", "db_datawriter");

        var output = await GrantAsync(catalog);

        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain(
                $"Database external user [{UserName}] has SID 0x{Convert.ToHexString(StaleClientId.ToByteArray())}, not the identity's (client id {ClientId:D}): it is dropped and created again for the identity."));
            Assert.That(catalog.Changes, Is.EqualTo(new[]
            {
                $"DROP {UserName}", $"CREATE {UserName}", $"ROLE {UserName} db_datareader", $"ROLE {UserName} db_datawriter",
            }));
            Assert.That(catalog.Principals.Single().Sid, Is.EqualTo(ClientId.ToByteArray()), "the user now logs in as the identity");
        });
    }

    [Test]
    public async Task A_user_that_already_is_the_identity_is_kept_and_a_second_run_changes_nothing()
    {
        var catalog = new SimulatedCatalog().WithServicePrincipal(ObjectId, ClientId);
        await GrantAsync(catalog);
        catalog.Changes.Clear();

        var output = await GrantAsync(catalog);

        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain($"Database user [{UserName}] exists with the identity's SID: kept."));
            Assert.That(catalog.Changes, Is.Empty);
        });
    }

    [Test]
    public void The_identity_under_another_name_stops_the_grant_before_any_change()
    {
        var catalog = new SimulatedCatalog().WithServicePrincipal(ObjectId, ClientId).WithUser("old-name", ClientId);
        var output = new StringWriter();

        var error = Assert.ThrowsAsync<SqlException>(() => GrantAsync(catalog, output));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Number, Is.EqualTo(GrantSql.IdentityUnderAnotherNameError));
            Assert.That(output.ToString(), Does.Contain($"The identity (client id {ClientId:D}) is already database external user [old-name]."));
            Assert.That(catalog.Changes, Is.Empty);
        });
    }

    [Test]
    public void An_object_id_of_another_principal_fails_the_sid_check_and_grants_no_role()
    {
        // The object id passed belongs to a principal whose client id is not the one passed.
        var catalog = new SimulatedCatalog().WithServicePrincipal(ObjectId, StaleClientId);

        var error = Assert.ThrowsAsync<SqlException>(() => GrantAsync(catalog));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Number, Is.EqualTo(GrantSql.SidMismatchError));
            Assert.That(catalog.Changes, Is.EqualTo(new[] { $"CREATE {UserName}" }), "no role for the wrong principal");
        });
    }

    private static IdentityGrant Grant() => IdentityGrant.Create(UserName, ObjectId.ToString(), ClientId.ToString());

    private async Task<string> GrantAsync(SimulatedCatalog catalog, StringWriter? output = null)
    {
        output ??= new StringWriter();
        catalog.AnswerOn(context.Server, Grant());
        await using var connection = context.ConnectionWithToken(TdsEncryption.Mandatory);
        await connection.OpenAsync();
        await new IdentityGrantRunner(output).RunAsync(connection, Grant(), CancellationToken.None);
        return output.ToString();
    }
}
