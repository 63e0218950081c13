using NUnit.Framework;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>Proves the validator rejects what it must and accepts the statements the Todo API needs.</summary>
[TestFixture]
internal sealed class SqlStatementValidatorTests
{
    private static readonly string[] UnusedLimitOnly = ["@Limit is declared in [SqlParameters] but not used."];

    private SqlStatementValidator validator = null!;

    [OneTimeSetUp]
    public void LoadSchema() => validator = new SqlStatementValidator(RepositoryRoot.Combine("Database", "Schema"));

    private static IEnumerable<TestCaseData> KnownGoodStatements() =>
        SqlStatementInventory.In(typeof(SampleTodoSql).Assembly)
            .Where(s => s.Name.StartsWith(typeof(SampleTodoSql).FullName + ".", StringComparison.Ordinal))
            .Select(s => new TestCaseData(s).SetArgDisplayNames(s.Name[(typeof(SampleTodoSql).FullName!.Length + 1)..]));

    // Every result goes to the test output, so the DacFx messages behind a verdict can be read.
    private SqlValidationResult Validate(string name, string text, string declarations)
    {
        var result = validator.Validate(name, text, declarations);
        TestContext.Out.WriteLine(result.ToString());
        return result;
    }

    [TestCaseSource(nameof(KnownGoodStatements))]
    public void Accepts_a_correct_statement(SqlStatement statement)
    {
        var result = Validate(statement.Name, statement.Text, statement.Declarations!);

        Assert.That(result.Problems, Is.Empty);
    }

    [Test]
    public void Rejects_an_unknown_table()
    {
        var result = Validate("UnknownTable", "SELECT Id FROM dbo.Todo WHERE Id = @Id;", "@Id bigint");

        Assert.That(result.Problems, Has.Some.Contains("[dbo].[Todo]"), result.ToString());
    }

    [Test]
    public void Rejects_an_unknown_column()
    {
        var result = Validate("UnknownColumn", "SELECT Id, Titel FROM dbo.Todos WHERE Id = @Id;", "@Id bigint");

        Assert.That(result.Problems, Has.Some.Contains("Titel"), result.ToString());
    }

    [Test]
    public void Rejects_an_unknown_column_in_an_update()
    {
        var result = Validate("UnknownSetColumn", "UPDATE dbo.Todos SET Done = 1 WHERE Id = @Id;", "@Id bigint");

        Assert.That(result.Problems, Has.Some.Contains("Done"), result.ToString());
    }

    [Test]
    public void Rejects_an_undeclared_parameter()
    {
        var result = Validate("Undeclared", "SELECT Id FROM dbo.Todos WHERE Id = @Id AND IsDone = @Done;", "@Id bigint");

        Assert.That(result.Problems, Has.Some.Contains("@Done is used but not declared"), result.ToString());
    }

    [Test]
    public void Rejects_an_unused_declared_parameter()
    {
        var result = Validate("Unused", "SELECT Id FROM dbo.Todos WHERE Id = @Id;", "@Id bigint, @Limit int");

        Assert.That(result.Problems, Is.EqualTo(UnusedLimitOnly), result.ToString());
    }

    [Test]
    public void Rejects_a_syntax_error()
    {
        var result = Validate("Syntax", "SELEC Id FROM dbo.Todos WHERE Id = @Id;", "@Id bigint");

        Assert.That(result.Problems, Has.Some.StartsWith("syntax error at statement line 1"), result.ToString());
    }

    [Test]
    public void Rejects_a_malformed_parameter_declaration()
    {
        var result = Validate("BadDeclaration", "SELECT Id FROM dbo.Todos WHERE Id = @Id;", "@Id bigint,");

        Assert.That(result.Problems, Has.Some.StartsWith("syntax error in the parameter declarations"), result.ToString());
    }

    [Test]
    public void Rejects_text_that_closes_the_wrapper_early()
    {
        // Parses as a procedure whose body runs on past the wrapper's END: not one self-contained statement list.
        var result = Validate("Escape", "SELECT Id FROM dbo.Todos WHERE Id = @Id END; DROP TABLE dbo.Todos; BEGIN SELECT 1;", "@Id bigint");

        Assert.That(result.Problems, Has.Some.Contains("not one self-contained"), result.ToString());
    }

    [Test]
    public void Rejects_a_batch_separator()
    {
        var result = Validate("Batches", "SELECT Id FROM dbo.Todos WHERE Id = @Id;\nGO\nSELECT 1;", "@Id bigint");

        Assert.That(result.IsValid, Is.False, result.ToString());
    }

    [Test]
    public void Accepts_a_local_variable_without_declaring_it_as_a_parameter()
    {
        const string text = """
            DECLARE @Now datetimeoffset = SYSUTCDATETIME();
            UPDATE dbo.Todos SET DeletedAt = @Now, UpdatedAt = @Now WHERE Id = @Id AND DeletedAt IS NULL;
            """;

        var result = Validate("Local", text, "@Id bigint");

        Assert.That(result.Problems, Is.Empty, result.ToString());
    }

    [Test]
    public void A_rejected_statement_does_not_spoil_the_next_check()
    {
        var rejected = Validate("Broken", "SELECT Id FROM dbo.Todos WHERE Id = @Missing;", string.Empty);
        var accepted = Validate("Fine", "SELECT Id FROM dbo.Todos WHERE Id = @Id;", "@Id bigint");

        Assert.Multiple(() =>
        {
            Assert.That(rejected.IsValid, Is.False, rejected.ToString());
            Assert.That(accepted.Problems, Is.Empty, accepted.ToString());
        });
    }
}
