using AzureSqlFunctions.Database.Cli;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

[TestFixture]
internal sealed class DeployCommandLineTests
{
    private const string ObjectId = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";
    private const string ClientId = "0d3b6a51-2c4e-4f7a-9b8d-1e2f3a4b5c6d";

    [Test]
    public void Parses_a_full_deploy_command()
    {
        var request = DeployCommandLine.Parse(
            ["deploy", "--server", "contoso.database.windows.net", "--database", "todos", "--grant", "func-todos", "--grant-object-id", ObjectId, "--grant-client-id", ClientId, "--dry-run"]);

        Assert.That(request, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(request!.Server, Is.EqualTo("contoso.database.windows.net"));
            Assert.That(request.Database, Is.EqualTo("todos"));
            Assert.That(request.DryRun, Is.True);
            Assert.That(request.Grant?.Name, Is.EqualTo("func-todos"));
            Assert.That(request.Grant?.ObjectId, Is.EqualTo(Guid.Parse(ObjectId)));
            Assert.That(request.Grant?.ClientId, Is.EqualTo(Guid.Parse(ClientId)));
        });
    }

    [Test]
    public void Grant_and_dry_run_are_optional()
    {
        var request = DeployCommandLine.Parse(["deploy", "--database", "todos", "--server", "contoso.database.windows.net"]);

        Assert.That(request, Is.EqualTo(new DeployRequest("contoso.database.windows.net", "todos", null, false)));
    }

    [TestCase]
    [TestCase("--help")]
    [TestCase("deploy", "--help")]
    [TestCase("deploy", "--server", "s", "-h")]
    public void Help_is_no_request(params string[] args) =>
        Assert.That(DeployCommandLine.Parse(args), Is.Null);

    [TestCase("Missing required option '--server'.", "deploy", "--database", "todos")]
    [TestCase("Missing required option '--database'.", "deploy", "--server", "s.database.windows.net")]
    [TestCase("Option '--server' needs a value.", "deploy", "--server", "--database", "todos")]
    [TestCase("Option '--database' needs a value.", "deploy", "--server", "s", "--database")]
    [TestCase("Option '--server' is given more than once.", "deploy", "--server", "a", "--server", "b")]
    [TestCase("Unknown option '--password'.", "deploy", "--server", "s", "--database", "d", "--password", "x")]
    [TestCase("Unknown command 'publish'. The only command is 'deploy'.", "publish")]
    [TestCase("'--grant', '--grant-object-id' and '--grant-client-id' go together: missing '--grant-object-id', '--grant-client-id'.", "deploy", "--server", "s", "--database", "d", "--grant", "app")]
    [TestCase("'--grant', '--grant-object-id' and '--grant-client-id' go together: missing '--grant', '--grant-client-id'.", "deploy", "--server", "s", "--database", "d", "--grant-object-id", ObjectId)]
    [TestCase("'--grant', '--grant-object-id' and '--grant-client-id' go together: missing '--grant-client-id'.", "deploy", "--server", "s", "--database", "d", "--grant", "app", "--grant-object-id", ObjectId)]
    [TestCase("'--grant', '--grant-object-id' and '--grant-client-id' go together: missing '--grant', '--grant-object-id'.", "deploy", "--server", "s", "--database", "d", "--grant-client-id", ClientId)]
    [TestCase("Option '--grant-client-id' is given more than once.", "deploy", "--server", "s", "--grant-client-id", ClientId, "--grant-client-id", ClientId)]
    public void Rejects_an_incomplete_or_unknown_command_line_clearly(string message, params string[] args)
    {
        var error = Assert.Throws<CommandLineException>(() => DeployCommandLine.Parse(args));

        Assert.That(error!.Message, Is.EqualTo(message));
    }

    [Test]
    public void Takes_the_owner_of_existing_rows_as_the_app_writes_an_owner()
    {
        var request = DeployCommandLine.Parse(
            ["deploy", "--server", "s", "--database", "d", "--owner-of-existing-rows", " 72F988BF-86F1-41AF-91AB-2D7CD011DB47:6F1C2B0E-9A54-4D3E-8F61-2C7B9D4E0A13 "]);

        Assert.That(request?.ExistingRowsOwner?.Value, Is.EqualTo("72f988bf-86f1-41af-91ab-2d7cd011db47:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13"));
    }

    [TestCase("alice@contoso.com")]
    [TestCase("6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13")]
    public void Rejects_an_owner_of_existing_rows_that_is_not_tid_and_oid(string owner)
    {
        var error = Assert.Throws<CommandLineException>(() =>
            DeployCommandLine.Parse(["deploy", "--server", "s", "--database", "d", "--owner-of-existing-rows", owner]));

        Assert.That(error!.Message, Is.EqualTo(
            $"Option '--owner-of-existing-rows' takes <tenant id>:<object id>, two Guids (the tid and oid claims of the user's access token); got '{owner}'."));
    }

    [TestCase("not-a-guid")]
    [TestCase("00000000-0000-0000-0000-000000000000")]
    [TestCase("6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a1")]
    [TestCase("6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13'; DROP TABLE dbo.Todos; --")]
    public void Rejects_an_object_id_that_is_not_a_guid(string objectId)
    {
        var error = Assert.Throws<CommandLineException>(() =>
            DeployCommandLine.Parse(["deploy", "--server", "s", "--database", "d", "--grant", "app", "--grant-object-id", objectId, "--grant-client-id", ClientId]));

        Assert.That(error!.Message, Does.Contain("is not an object id"));
    }

    [TestCase("not-a-guid")]
    [TestCase("00000000-0000-0000-0000-000000000000")]
    [TestCase("0d3b6a51-2c4e-4f7a-9b8d-1e2f3a4b5c6d'; DROP USER dbo; --")]
    public void Rejects_a_client_id_that_is_not_a_guid(string clientId)
    {
        var error = Assert.Throws<CommandLineException>(() =>
            DeployCommandLine.Parse(["deploy", "--server", "s", "--database", "d", "--grant", "app", "--grant-object-id", ObjectId, "--grant-client-id", clientId]));

        Assert.That(error!.Message, Does.Contain("is not a client id"));
    }

    [Test]
    public void Help_text_says_which_id_each_option_expects()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DeployCommandLine.HelpText, Does.Contain("OBJECT (principal) id, not its client id"));
            Assert.That(DeployCommandLine.HelpText, Does.Contain("CLIENT (application) id"));
            Assert.That(DeployCommandLine.HelpText, Does.Contain("stores it as the user's SID"));
        });
    }
}
