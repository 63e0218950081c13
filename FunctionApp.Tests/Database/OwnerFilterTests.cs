using System.Reflection;
using AzureSqlFunctions.Todos;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The app's own half of "enforced twice", read from the statement text with the T-SQL parser: every statement of
/// the todo API either filters by <c>OwnerId = @OwnerId</c> as a conjunct of its WHERE (so no OR can widen it) or
/// writes <c>@OwnerId</c> into the OwnerId column. The database's half is the policy (<see cref="RowLevelSecurityTests"/>).
/// </summary>
[TestFixture]
internal sealed class OwnerFilterTests
{
    private static IEnumerable<TestCaseData> TodoStatements() =>
        typeof(TodoSql).GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(field => field.IsLiteral && field.FieldType == typeof(string))
            .Select(field => new TestCaseData(field.Name, (string)field.GetRawConstantValue()!).SetArgDisplayNames(field.Name));

    [TestCaseSource(nameof(TodoStatements))]
    public void Every_todo_statement_is_bound_to_the_callers_owner_id(string name, string text)
    {
        var statement = Parse(text);

        switch (statement)
        {
            case InsertStatement insert:
                Assert.That(OwnerValueOf(insert.InsertSpecification), Is.EqualTo("@OwnerId"), $"{name} writes @OwnerId into OwnerId");
                break;
            case SelectStatement { QueryExpression: QuerySpecification query }:
                Assert.That(Conjuncts(query.WhereClause?.SearchCondition), Has.Some.Matches<BooleanExpression>(IsOwnerFilter), $"{name}: WHERE … AND OwnerId = @OwnerId");
                break;
            case UpdateStatement update:
                Assert.That(Conjuncts(update.UpdateSpecification.WhereClause?.SearchCondition), Has.Some.Matches<BooleanExpression>(IsOwnerFilter), $"{name}: WHERE … AND OwnerId = @OwnerId");
                Assert.That(update.UpdateSpecification.SetClauses.OfType<AssignmentSetClause>().Select(c => c.Column.MultiPartIdentifier.Identifiers[^1].Value), Has.None.EqualTo("OwnerId"), "an owner is never changed");
                break;
            case DeleteStatement delete:
                Assert.That(Conjuncts(delete.DeleteSpecification.WhereClause?.SearchCondition), Has.Some.Matches<BooleanExpression>(IsOwnerFilter), $"{name}: WHERE … AND OwnerId = @OwnerId");
                break;
            default:
                Assert.Fail($"{name} is a {statement.GetType().Name}, which this test does not know how to check.");
                break;
        }
    }

    [Test]
    public void A_statement_whose_owner_filter_an_OR_can_bypass_is_caught()
    {
        // Proves the check reads the conjuncts, not just any mention of the owner.
        var widened = (SelectStatement)Parse("SELECT Id FROM dbo.Todos WHERE Id = @Id AND (OwnerId = @OwnerId OR DeletedAt IS NULL);");

        Assert.That(Conjuncts(((QuerySpecification)widened.QueryExpression).WhereClause.SearchCondition), Has.None.Matches<BooleanExpression>(IsOwnerFilter));
    }

    private static TSqlStatement Parse(string text)
    {
        var fragment = new TSql170Parser(initialQuotedIdentifiers: true).Parse(new StringReader(text), out var errors);
        Assert.That(errors, Is.Empty, text);
        return ((TSqlScript)fragment).Batches.SelectMany(b => b.Statements).Single();
    }

    /// <summary>The terms of a top-level AND chain (parentheses looked through); a lone condition is its own term.</summary>
    private static IEnumerable<BooleanExpression> Conjuncts(BooleanExpression? condition) => condition switch
    {
        null => [],
        BooleanParenthesisExpression parenthesis => Conjuncts(parenthesis.Expression),
        BooleanBinaryExpression { BinaryExpressionType: BooleanBinaryExpressionType.And } and => Conjuncts(and.FirstExpression).Concat(Conjuncts(and.SecondExpression)),
        var single => [single],
    };

    private static bool IsOwnerFilter(BooleanExpression expression) =>
        expression is BooleanComparisonExpression { ComparisonType: BooleanComparisonType.Equals } comparison
        && ((IsOwnerColumn(comparison.FirstExpression) && IsOwnerParameter(comparison.SecondExpression))
            || (IsOwnerParameter(comparison.FirstExpression) && IsOwnerColumn(comparison.SecondExpression)));

    private static bool IsOwnerColumn(ScalarExpression expression) =>
        expression is ColumnReferenceExpression column && column.MultiPartIdentifier.Identifiers[^1].Value == "OwnerId";

    private static bool IsOwnerParameter(ScalarExpression expression) =>
        expression is VariableReference { Name: "@OwnerId" };

    private static string? OwnerValueOf(InsertSpecification insert)
    {
        var index = insert.Columns.ToList().FindIndex(c => c.MultiPartIdentifier.Identifiers[^1].Value == "OwnerId");
        return index >= 0 && insert.InsertSource is ValuesInsertSource { RowValues: [var row] } && row.ColumnValues[index] is VariableReference value
            ? value.Name
            : null;
    }
}
