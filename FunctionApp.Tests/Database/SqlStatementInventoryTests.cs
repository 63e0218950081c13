using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The inventory over this test assembly, whose sample classes are known: proves the reflection finds
/// constants, their declarations, and a missing attribute — so zero app statements means there are none.
/// </summary>
[TestFixture]
internal sealed class SqlStatementInventoryTests
{
    private static readonly string[] SampleNames = ["Insert", "ListLivePage", "ListLivePageByDone", "ListPage", "Purge", "SoftDelete", "Update"];

    private static readonly IReadOnlyList<SqlStatement> TestAssemblyStatements = SqlStatementInventory.In(typeof(SampleTodoSql).Assembly);

    [Test]
    public void Finds_every_constant_of_a_Sql_class_with_its_declarations()
    {
        var samples = TestAssemblyStatements.Where(s => s.Name.StartsWith(typeof(SampleTodoSql).FullName + ".", StringComparison.Ordinal)).ToList();

        var purge = samples.Single(s => s.Name.EndsWith(".Purge", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(samples.Select(s => s.Name[(typeof(SampleTodoSql).FullName!.Length + 1)..]), Is.EquivalentTo(SampleNames));
            Assert.That(purge.Declarations, Is.EqualTo("@Batch int, @Cutoff datetimeoffset"));
            Assert.That(purge.Text, Does.StartWith("DELETE TOP (@Batch)"));
        });
    }

    [Test]
    public void Reports_a_constant_without_SqlParameters_as_undeclared()
    {
        var undeclared = TestAssemblyStatements.Where(s => s.Declarations is null).Select(s => s.Name);

        Assert.That(undeclared, Is.EqualTo(new[] { typeof(UndeclaredSampleSql).FullName + "." + nameof(UndeclaredSampleSql.CountTodos) }));
    }

    [Test]
    public void Ignores_classes_whose_name_does_not_end_in_Sql()
    {
        Assert.That(TestAssemblyStatements.Select(s => s.Name), Has.None.Contains(nameof(SqlStatementValidator)));
    }
}
