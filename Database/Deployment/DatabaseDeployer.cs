using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.Database.Identity;
using AzureSqlFunctions.Database.Upgrades;
using Microsoft.Data.SqlClient;
using Microsoft.SqlServer.Dac;

namespace AzureSqlFunctions.Database.Deployment;

/// <summary>
/// Brings one database to the schema package — the upgrade from before per-user data first, then DacFx's deploy — and
/// applies the identity grant, each connection with an Entra token.
/// </summary>
/// <param name="connectionString">The target database, naming no credentials (<see cref="AzureSqlTarget"/>).</param>
internal sealed class DatabaseDeployer(string connectionString, EntraTokenProvider tokens, TextWriter output)
{
    /// <summary>
    /// Upgrades a database from before per-user data (DacFx cannot: <see cref="OwnerColumnUpgrade"/>), then deploys;
    /// an upgrade that stops leaves DacFx untouched.
    /// </summary>
    public async Task DeployAsync(DacPackage package, ExistingRowsOwner? owner, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(package);
        await using (var connection = await OpenAsync(cancellationToken))
        {
            await new OwnerColumnUpgrade(output).RunAsync(connection, owner, cancellationToken);
        }

        var builder = new SqlConnectionStringBuilder(connectionString);
        var services = new DacServices(connectionString, tokens);
        services.Message += (_, e) => output.WriteLine(e.Message.ToString());
        services.Deploy(package, builder.InitialCatalog, upgradeExisting: true, SchemaPackage.SafeDeployOptions(), cancellationToken);
    }

    public async Task GrantAsync(IdentityGrant grant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grant);
        await using var connection = await OpenAsync(cancellationToken);
        await new IdentityGrantRunner(output).RunAsync(connection, grant, cancellationToken);
    }

    private async Task<SqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqlConnection(connectionString) { AccessToken = tokens.GetValidAccessToken() };
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
