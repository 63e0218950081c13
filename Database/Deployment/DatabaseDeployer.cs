using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.Database.Identity;
using AzureSqlFunctions.Database.Upgrades;
using Microsoft.Data.SqlClient;
using Microsoft.SqlServer.Dac;

namespace AzureSqlFunctions.Database.Deployment;

/// <summary>
/// Upgrades a database from before per-user data, deploys the schema package and applies the identity grant, each
/// with an Entra token.
/// </summary>
internal sealed class DatabaseDeployer(EntraTokenProvider tokens, TextWriter output)
{
    public async Task UpgradeAsync(ExistingRowsOwner? owner, string server, string database, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(server, database, cancellationToken);
        await new OwnerColumnUpgrade(output).RunAsync(connection, owner, cancellationToken);
    }

    public void Deploy(DacPackage package, string server, string database)
    {
        ArgumentNullException.ThrowIfNull(package);
        var services = new DacServices(AzureSqlTarget.ConnectionString(server, database), tokens);
        services.Message += (_, e) => output.WriteLine(e.Message.ToString());
        services.Deploy(package, database, upgradeExisting: true, SchemaPackage.SafeDeployOptions());
    }

    public async Task GrantAsync(IdentityGrant grant, string server, string database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        await using var connection = await OpenAsync(server, database, cancellationToken);
        await new IdentityGrantRunner(output).RunAsync(connection, grant, cancellationToken);
    }

    private async Task<SqlConnection> OpenAsync(string server, string database, CancellationToken cancellationToken)
    {
        var connection = new SqlConnection(AzureSqlTarget.ConnectionString(server, database))
        {
            AccessToken = tokens.GetValidAccessToken(),
        };
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
