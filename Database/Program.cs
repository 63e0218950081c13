using Azure.Identity;
using AzureSqlFunctions.Database.Cli;
using AzureSqlFunctions.Database.Deployment;
using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.Database.Identity;
using AzureSqlFunctions.Database.Upgrades;

namespace AzureSqlFunctions.Database;

internal static class Program
{
    private const int Success = 0;
    private const int Failure = 1;
    private const int UsageError = 2;

    public static async Task<int> Main(string[] args)
    {
        DeployRequest? request;
        try
        {
            request = DeployCommandLine.Parse(args);
        }
        catch (CommandLineException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}\n\n{DeployCommandLine.HelpText}");
            return UsageError;
        }

        if (request is null)
        {
            Console.WriteLine(DeployCommandLine.HelpText);
            return Success;
        }

        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };

        try
        {
            return await RunAsync(request, Console.Out, cancellation.Token);
        }
        catch (OwnerColumnUpgradeRefusedException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return Failure;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Messages only: a stack trace from DacFx or SqlClient never carries a token, but is noise here.
            await Console.Error.WriteLineAsync($"error: {e.GetType().Name}: {e.Message}");
            return Failure;
        }
    }

    private static async Task<int> RunAsync(DeployRequest request, TextWriter output, CancellationToken cancellationToken)
    {
        using var model = SchemaModel.Load(SchemaModel.DefaultDirectory);
        var errors = SchemaModel.Errors(model);
        if (errors.Count > 0)
        {
            await Console.Error.WriteLineAsync("error: the schema does not validate:\n" + string.Join("\n", errors));
            return Failure;
        }

        using var package = SchemaPackage.Build(model);
        if (request.DryRun)
        {
            // A true incremental script needs the live database to compare with; offline, show what an empty one gets.
            await output.WriteLineAsync($"-- Dry run: create script for [{request.Database}] on {request.Server} (nothing is executed).");
            await output.WriteLineAsync(SchemaPackage.CreateScript(package, request.Database));
            await output.WriteLineAsync("-- Upgrade of a database deployed before per-user data (only tables without OwnerId; the UPDATE only for a table with rows), one transaction, before the deploy:");
            await output.WriteLineAsync(OwnerColumnUpgradeSql.Script());
            if (request.Grant is { } grant)
            {
                await output.WriteLineAsync("-- Grant statements:");
                await output.WriteLineAsync(GrantSql.Script(grant));
            }

            return Success;
        }

        var tokens = new EntraTokenProvider(new AzureCliCredential(), TimeProvider.System);
        var deployer = new DatabaseDeployer(AzureSqlTarget.ConnectionString(request.Server, request.Database), tokens, output);
        await deployer.DeployAsync(package, request.ExistingRowsOwner, cancellationToken);
        if (request.Grant is { } identity)
        {
            await deployer.GrantAsync(identity, cancellationToken);
        }

        await output.WriteLineAsync("Done.");
        return Success;
    }
}
