using AzureSqlFunctions.Database;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The console end to end, offline: a dry run builds the model from the Schema folder copied next to the
/// binaries and prints scripts without connecting; bad input ends with a usage error.
/// </summary>
[TestFixture]
[NonParallelizable]
internal sealed class DeployConsoleTests
{
    private const string ObjectId = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";
    private const string ClientId = "0d3b6a51-2c4e-4f7a-9b8d-1e2f3a4b5c6d";

    [Test]
    public async Task Dry_run_prints_the_create_script_and_the_grant_without_connecting()
    {
        var (exitCode, output, error) = await RunAsync(
            "deploy", "--server", "nowhere.invalid", "--database", "todos", "--grant", "func-todos", "--grant-object-id", ObjectId, "--grant-client-id", ClientId, "--dry-run");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, error);
            Assert.That(output, Does.Contain("CREATE TABLE [dbo].[Todos]"));
            Assert.That(output, Does.Contain($"DECLARE @ClientId uniqueidentifier = '{ClientId}';"));
            Assert.That(output, Does.Contain("DROP USER [func-todos];"));
            Assert.That(output, Does.Contain($"CREATE USER [func-todos] FROM EXTERNAL PROVIDER WITH OBJECT_ID = '{ObjectId}'"));
            Assert.That(output, Does.Contain("ALTER ROLE db_datawriter ADD MEMBER [func-todos];"));
            Assert.That(output, Does.Contain("BEGIN TRANSACTION;\nGO\nDECLARE @Granted int;"), "the upgrade from before per-user data, one batch per statement");
            Assert.That(output, Does.Contain("GO\nUPDATE [dbo].[Todos] SET [OwnerId] = '<tid>:<oid>';\nGO"));
            Assert.That(output, Does.Contain("GO\nCOMMIT TRANSACTION;"));
            Assert.That(output, Does.Contain("ADD CONSTRAINT [PK_TodoCreateRequests] PRIMARY KEY CLUSTERED ([OwnerId] ASC, [IdempotencyKey] ASC);"));
        });
    }

    [Test]
    public async Task A_missing_option_is_a_usage_error_with_help()
    {
        var (exitCode, _, error) = await RunAsync("deploy", "--database", "todos");

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.EqualTo(2));
            Assert.That(error, Does.StartWith("error: Missing required option '--server'."));
            Assert.That(error, Does.Contain("Usage:"));
        });
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var (originalOut, originalError) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exitCode = await global::AzureSqlFunctions.Database.Program.Main(args);
            return (exitCode, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
