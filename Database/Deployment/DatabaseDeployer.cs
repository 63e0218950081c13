using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.Database.Identity;
using Microsoft.Data.SqlClient;
using Microsoft.SqlServer.Dac;

namespace AzureSqlFunctions.Database.Deployment;

/// <summary>Deploys the schema package to a live database and applies the identity grant, both with an Entra token.</summary>
internal sealed class DatabaseDeployer(EntraTokenProvider tokens, TextWriter output)
{
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
        await using var connection = new SqlConnection(AzureSqlTarget.ConnectionString(server, database))
        {
            AccessToken = tokens.GetValidAccessToken(),
        };
        await connection.OpenAsync(cancellationToken);
        await new IdentityGrantRunner(output).RunAsync(connection, grant, cancellationToken);
    }
}
