using System.Diagnostics;
using AzureSqlFunctions.Database.Deployment;
using Microsoft.SqlServer.Dac;
using Microsoft.SqlServer.Dac.Model;
using NUnit.Framework;
using DacIndex = Microsoft.SqlServer.Dac.Model.Index;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Database;

[TestFixture]
internal sealed class SchemaModelTests
{
    private static readonly string[] TodoColumns = ["Id", "OwnerId", "Title", "Notes", "DueAt", "IsDone", "CreatedAt", "UpdatedAt", "DeletedAt", "RowVersion"];

    private TSqlModel model = null!;

    [OneTimeSetUp]
    public void LoadSchema()
    {
        var clock = Stopwatch.StartNew();
        model = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));
        TestContext.Progress.WriteLine($"Schema model loaded in {clock.ElapsedMilliseconds} ms.");
    }

    [OneTimeTearDown]
    public void DisposeModel() => model.Dispose();

    [Test]
    public void Schema_validates_for_Azure_SQL_without_errors()
    {
        var clock = Stopwatch.StartNew();
        var messages = model.Validate();
        TestContext.Out.WriteLine($"Validated in {clock.ElapsedMilliseconds} ms.");
        foreach (var warning in messages.Where(m => m.MessageType != DacMessageType.Error))
        {
            TestContext.Out.WriteLine("warning: " + warning);
        }

        var errors = messages.Where(m => m.MessageType == DacMessageType.Error).Select(m => m.ToString());
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void Todos_table_has_the_columns_the_api_reads_and_writes()
    {
        var table = model.GetObject(Table.TypeClass, new ObjectIdentifier("dbo", "Todos"), DacQueryScopes.UserDefined);

        Assert.That(table, Is.Not.Null);
        var columns = table.GetReferenced(Table.Columns).Select(c => c.Name.Parts[^1]);
        Assert.That(columns, Is.EqualTo(TodoColumns));
    }

    [TestCase("IX_Todos_Live_Id", "[DeletedAt] IS NULL")]
    [TestCase("IX_Todos_Live_IsDone_Id", "[DeletedAt] IS NULL")]
    [TestCase("IX_Todos_DeletedAt", "[DeletedAt] IS NOT NULL")]
    public void List_and_purge_indexes_are_filtered_on_the_soft_delete_column(string index, string filter)
    {
        var found = model.GetObject(DacIndex.TypeClass, new ObjectIdentifier("dbo", "Todos", index), DacQueryScopes.UserDefined);

        Assert.That(found, Is.Not.Null, index);
        var predicate = found.GetProperty(DacIndex.FilterPredicate);
        TestContext.Out.WriteLine($"{predicate?.GetType()}: {predicate}");
        Assert.That(predicate?.ToString(), Does.Contain(filter));
    }

    [Test]
    public void A_schema_error_is_reported_by_validation()
    {
        // Proves the zero-errors assertion above can fail: a second script referencing a missing column.
        using var broken = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));
        broken.AddOrUpdateObjects("CREATE INDEX [IX_Bad] ON [dbo].[Todos] ([NoSuchColumn]);", "bad.sql", new TSqlObjectOptions());

        Assert.That(SchemaModel.Errors(broken), Has.Some.Contains("NoSuchColumn"));
    }
}
