using AzureSqlFunctions.Database.Deployment;
using AzureSqlFunctions.Database.Identity;
using AzureSqlFunctions.Database.Upgrades;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.Tests.TestPeers.Tds;
using Azure.Core;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The deploy as the console runs it, over TDS with an Entra token against the peer: the upgrade from before
/// per-user data comes first, so a database it refuses is never handed to DacFx.
/// </summary>
[TestFixture]
[NonParallelizable]
internal sealed class DatabaseDeployerTests
{
    [Test]
    public async Task A_refused_upgrade_stops_the_deploy_before_DacFx_connects()
    {
        await using var context = TdsTestContext.Start();
        new SimulatedPreOwnerDatabase().WithPreOwnerTable(OwnerColumnUpgradeSql.Todos, rows: 1).AnswerOn(context.Server);
        var credential = ScriptedCredential.Issuing(() => new AccessToken(context.Token(), DateTimeOffset.UtcNow.AddHours(1)));
        var deployer = new DatabaseDeployer(context.Server.ConnectionString(TdsEncryption.Mandatory), new EntraTokenProvider(credential, TimeProvider.System), new StringWriter());
        using var schema = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));
        using var package = SchemaPackage.Build(schema);

        Assert.ThrowsAsync<OwnerColumnUpgradeRefusedException>(() => deployer.DeployAsync(package, owner: null, CancellationToken.None));

        Assert.That(context.Server.Statements.Select(s => s.Text).Where(text => text != "SELECT 1"), Is.EqualTo(new[]
        {
            OwnerColumnUpgradeSql.OneUpgradeAtATime, OwnerColumnUpgradeSql.TablesWithoutOwner, OwnerColumnUpgradeSql.Todos.CountAndLock,
        }), "the upgrade's statements, and none of DacFx's");
    }
}
