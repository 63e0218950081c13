using AzureSqlFunctions.Database.Deployment;
using AzureSqlFunctions.Database.Upgrades;
using AzureSqlFunctions.Tests.Support;
using Microsoft.SqlServer.Dac;
using Microsoft.SqlServer.Dac.Model;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// What DacFx plans for a database deployed before per-user data (PreOwnerSchema/), compared offline as package to
/// package with the console's deploy options: refused as it is (it will not copy a table under a row-level security
/// policy), and after the console's upgrade statements a plan that adds the policies, predicates and indexes and
/// copies no table — the upgrade leaves the columns and keys exactly as Schema/ declares them.
/// </summary>
[TestFixture]
internal sealed class OwnerColumnUpgradePlanTests
{
    private static readonly string PreOwnerDirectory = RepositoryRoot.Combine("FunctionApp.Tests", "Database", "PreOwnerSchema");

    private TSqlModel schema = null!;
    private DacPackage package = null!;

    [OneTimeSetUp]
    public void BuildPackage()
    {
        schema = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));
        package = SchemaPackage.Build(schema);
    }

    [OneTimeTearDown]
    public void DisposePackage()
    {
        package.Dispose();
        schema.Dispose();
    }

    [Test]
    public void Without_the_upgrade_DacFx_refuses_the_plan_for_a_pre_owner_database()
    {
        using var target = Package(Directory.GetFiles(PreOwnerDirectory, "*.sql").ToDictionary(file => Path.GetFileName(file)!, File.ReadAllText));

        var refused = Assert.Throws<DacServicesException>(() => DacServices.GenerateDeployScript(package, target, "todos", SchemaPackage.SafeDeployOptions()));

        Assert.That(refused!.ToString(), Does.Contain("SR0111").And.Contain("row level security"));
    }

    [Test]
    public void After_the_upgrade_the_plan_adds_security_and_indexes_and_copies_no_table()
    {
        var upgraded = UpgradedSchema.Apply(PreOwnerDirectory, OwnerColumnUpgradeSql.Tables.SelectMany(table => table.Statements(fill: true)));
        using var target = Package(upgraded);

        var script = DacServices.GenerateDeployScript(package, target, "todos", SchemaPackage.SafeDeployOptions());
        TestContext.Out.WriteLine(script);

        Assert.Multiple(() =>
        {
            Assert.That(script, Does.Not.Contain("tmp_ms_xx"), "no table is copied");
            Assert.That(script, Does.Not.Contain("ALTER TABLE [dbo].[Todos] ADD").And.Not.Contain("ALTER TABLE [dbo].[TodoCreateRequests] ADD"), "no column or key left to add");
            Assert.That(script, Does.Not.Contain("ALTER COLUMN"), "the upgraded columns match the schema's");
            Assert.That(script, Does.Not.Contain("PK_TodoCreateRequests"), "the upgraded key matches the schema's");
            Assert.That(script, Does.Contain("CREATE SECURITY POLICY [Security].[TodoOwnership]"));
            Assert.That(script, Does.Contain("CREATE SECURITY POLICY [Security].[CreateRequestOwnership]"));
            Assert.That(script, Does.Contain("CREATE FUNCTION [Security].[TodoReadPredicate]"));
            Assert.That(script, Does.Contain("CREATE NONCLUSTERED INDEX [IX_Todos_Live_Id]"), "the owner's list index is made anew");
        });
    }

    [Test]
    public void An_upgrade_that_left_the_owner_nullable_would_be_refused()
    {
        // The control: the same statements without the one that makes dbo.Todos.OwnerId NOT NULL leave a column DacFx
        // must alter (or copy the table for). (SQL Server itself refuses a primary key on a nullable column.)
        var statements = OwnerColumnUpgradeSql.Tables.SelectMany(table => table.Statements(fill: true))
            .Where(text => text != OwnerColumnUpgradeSql.Todos.RequireColumn);
        using var target = Package(UpgradedSchema.Apply(PreOwnerDirectory, statements));

        var plan = Plan(target);

        Assert.That(plan, Does.Contain("ALTER COLUMN [OwnerId]").Or.Contain("SR0111"));
    }

    private string Plan(DacPackage target)
    {
        try
        {
            return DacServices.GenerateDeployScript(package, target, "todos", SchemaPackage.SafeDeployOptions());
        }
        catch (DacServicesException refused)
        {
            return refused.ToString();
        }
    }

    private static DacPackage Package(IReadOnlyDictionary<string, string> scripts)
    {
        using var model = new TSqlModel(SqlServerVersion.SqlAzure, new TSqlModelOptions());
        foreach (var (name, script) in scripts.OrderBy(entry => entry.Key, StringComparer.Ordinal))
        {
            model.AddOrUpdateObjects(script, name, new TSqlObjectOptions());
        }

        Assert.That(SchemaModel.Errors(model), Is.Empty, "the database's schema validates");
        return SchemaPackage.Build(model);
    }
}
