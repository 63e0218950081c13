using System.Diagnostics;
using AzureSqlFunctions.Sql;
using NUnit.Framework;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// Every SQL constant in the app, validated against the schema as its own test case.
/// </summary>
/// <remarks>
/// Before the features exist there are no constants: the NUnit adapter then makes no case of the empty source
/// (nothing fails, nothing hangs). No sentinel case is yielded, since it could only pass; instead the listing test
/// below always runs, and <see cref="SqlStatementInventoryTests"/> proves the reflection finds constants where they exist.
/// </remarks>
[TestFixture]
internal sealed class AppSqlStatementTests
{
    private static readonly IReadOnlyList<SqlStatement> AppStatements = SqlStatementInventory.In(typeof(SqlParametersAttribute).Assembly);

    private SqlStatementValidator validator = null!;

    [OneTimeSetUp]
    public void LoadSchema() => validator = new SqlStatementValidator(RepositoryRoot.Combine("Database", "Schema"));

    private static IEnumerable<TestCaseData> DeclaredStatements() =>
        AppStatements.Where(s => s.Declarations is not null).Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name));

    [Test]
    public void Every_Sql_constant_in_the_app_declares_its_parameters()
    {
        TestContext.Out.WriteLine($"{AppStatements.Count} SQL constant(s) in {typeof(SqlParametersAttribute).Assembly.GetName().Name}:");
        foreach (var statement in AppStatements)
        {
            TestContext.Out.WriteLine($"  {statement.Name} [{statement.Declarations ?? "no [SqlParameters]"}]");
        }

        var undeclared = AppStatements.Where(s => s.Declarations is null).Select(s => s.Name);
        Assert.That(undeclared, Is.Empty, "Put [SqlParameters(\"@Name type, …\")] (empty string for none) on these constants.");
    }

    [TestCaseSource(nameof(DeclaredStatements))]
    public void Statement_is_valid_against_the_schema(SqlStatement statement)
    {
        var clock = Stopwatch.StartNew();
        var result = validator.Validate(statement.Name, statement.Text, statement.Declarations!);
        TestContext.Out.WriteLine($"Validated in {clock.ElapsedMilliseconds} ms.");

        Assert.That(result.Problems, Is.Empty, result.ToString());
    }
}
