using System.Diagnostics;
using AzureSqlFunctions.Sql;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>Every SQL constant in the app, validated against the schema as its own test case.</summary>
[TestFixture]
internal sealed class AppSqlStatementTests
{
    private static readonly IReadOnlyList<SqlStatement> AppStatements = SqlStatementInventory.In(typeof(SqlParametersAttribute).Assembly);

    private SqlStatementValidator validator = null!;

    [OneTimeSetUp]
    public void LoadSchema() => validator = new SqlStatementValidator(RepositoryLayout.SchemaDirectory);

    private static IEnumerable<TestCaseData> DeclaredStatements() =>
        AppStatements.Where(s => s.Declarations is not null).Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name));

    [TestCaseSource(nameof(DeclaredStatements))]
    public void Statement_is_valid_against_the_schema(SqlStatement statement)
    {
        var clock = Stopwatch.StartNew();
        var result = validator.Validate(statement.Name, statement.Text, statement.Declarations!);
        TestContext.Out.WriteLine($"Validated in {clock.ElapsedMilliseconds} ms.");

        Assert.That(result.Problems, Is.Empty, result.ToString());
    }
}
