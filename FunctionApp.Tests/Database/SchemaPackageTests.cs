using System.Diagnostics;
using AzureSqlFunctions.Database.Deployment;
using Microsoft.Data.SqlClient;
using Microsoft.SqlServer.Dac.Model;
using NUnit.Framework;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Database;

[TestFixture]
internal sealed class SchemaPackageTests
{
    private TSqlModel model = null!;

    [OneTimeSetUp]
    public void LoadSchema() => model = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));

    [OneTimeTearDown]
    public void DisposeModel() => model.Dispose();

    [Test]
    public void Builds_a_package_in_memory_whose_create_script_makes_the_Todos_table_and_its_indexes()
    {
        var clock = Stopwatch.StartNew();
        using var package = SchemaPackage.Build(model);
        var script = SchemaPackage.CreateScript(package, "todos");
        TestContext.Out.WriteLine($"Package and create script in {clock.ElapsedMilliseconds} ms.");

        Assert.Multiple(() =>
        {
            Assert.That(package.Name, Is.EqualTo(SchemaPackage.PackageName));
            Assert.That(script, Does.Contain("CREATE TABLE [dbo].[Todos]"));
            Assert.That(script, Does.Contain("[RowVersion] ROWVERSION"));
            Assert.That(script, Does.Contain("CREATE NONCLUSTERED INDEX [IX_Todos_DeletedAt]"));
            Assert.That(script, Does.Contain("CONSTRAINT [DF_Todos_CreatedAt] DEFAULT (SYSUTCDATETIME())"));
            Assert.That(script, Does.Contain("CREATE SECURITY POLICY [Security].[TodoOwnership]"));
            Assert.That(script, Does.Contain("CREATE SECURITY POLICY [Security].[CreateRequestOwnership]"));
            Assert.That(
                script.IndexOf("CREATE SECURITY POLICY", StringComparison.Ordinal),
                Is.GreaterThan(script.IndexOf("CREATE FUNCTION [Security].[TodoReadPredicate]", StringComparison.Ordinal))
                    .And.GreaterThan(script.IndexOf("CREATE TABLE [dbo].[Todos]", StringComparison.Ordinal)),
                "the policies come after the functions and tables they bind");
        });
    }

    [Test]
    public void Deploy_options_never_drop_data_or_objects_outside_the_schema()
    {
        var options = SchemaPackage.SafeDeployOptions();

        Assert.Multiple(() =>
        {
            Assert.That(options.BlockOnPossibleDataLoss, Is.True);
            Assert.That(options.DropObjectsNotInSource, Is.False);
            Assert.That(options.DropPermissionsNotInSource, Is.False);
            Assert.That(options.DropRoleMembersNotInSource, Is.False);
            Assert.That(options.CreateNewDatabase, Is.False);
        });
    }

    [Test]
    public void Connection_string_is_encrypted_and_names_no_credentials()
    {
        var builder = new SqlConnectionStringBuilder(AzureSqlTarget.ConnectionString("contoso.database.windows.net", "todos"));

        Assert.Multiple(() =>
        {
            Assert.That(builder.DataSource, Is.EqualTo("tcp:contoso.database.windows.net,1433"));
            Assert.That(builder.InitialCatalog, Is.EqualTo("todos"));
            Assert.That(builder.Encrypt, Is.EqualTo(SqlConnectionEncryptOption.Mandatory));
            Assert.That(builder.TrustServerCertificate, Is.False);
            Assert.That(builder.Authentication, Is.EqualTo(SqlAuthenticationMethod.NotSpecified));
            Assert.That(builder.Password, Is.Empty);
            Assert.That(builder.UserID, Is.Empty);
            Assert.That(builder.IntegratedSecurity, Is.False);
        });
    }
}
