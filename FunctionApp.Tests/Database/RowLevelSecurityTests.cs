using System.Data;
using AzureSqlFunctions.Database.Deployment;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Tests.Support;
using Microsoft.SqlServer.Dac.Model;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using SecurityPredicateOperation = Microsoft.SqlServer.Dac.Model.SecurityPredicateOperation;
using SecurityPredicateType = Microsoft.SqlServer.Dac.Model.SecurityPredicateType;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The row-level security the schema deploys, read from its DacFx model for Azure SQL (which validates it with the
/// rest: <see cref="SchemaModelTests"/>): one enabled, schema-bound policy per table holding user data, with the filter
/// and block predicates each operation needs; predicate functions that are inline, schema-bound and in the Security
/// schema; and exactly the session context keys the app sets, cast to the types it sends them as. What the predicates
/// do to rows at run time is played by the tests' tables (PlayedRowLevelSecurity); no SQL engine runs them here.
/// </summary>
[TestFixture]
internal sealed class RowLevelSecurityTests
{
    private const string Security = "Security";

    private TSqlModel _model = null!;

    [OneTimeSetUp]
    public void LoadSchema() => _model = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));

    [OneTimeTearDown]
    public void DisposeModel() => _model.Dispose();

    private static IEnumerable<TestCaseData> Policies()
    {
        yield return new TestCaseData("TodoOwnership", "Todos", new[]
        {
            "Filter All [Security].[TodoReadPredicate]([OwnerId], [DeletedAt])",
            "Block AfterInsert [Security].[OwnerPredicate]([OwnerId])",
            "Block BeforeUpdate [Security].[OwnerPredicate]([OwnerId])",
            "Block AfterUpdate [Security].[OwnerPredicate]([OwnerId])",
            "Block BeforeDelete [Security].[TodoPurgePredicate]([DeletedAt])",
        }).SetArgDisplayNames("dbo.Todos");
        yield return new TestCaseData("CreateRequestOwnership", "TodoCreateRequests", new[]
        {
            "Filter All [Security].[CreateRequestReadPredicate]([OwnerId], [CreatedAt])",
            "Block AfterInsert [Security].[OwnerPredicate]([OwnerId])",
            "Block BeforeUpdate [Security].[OwnerPredicate]([OwnerId])",
            "Block AfterUpdate [Security].[OwnerPredicate]([OwnerId])",
        }).SetArgDisplayNames("dbo.TodoCreateRequests");
    }

    [TestCaseSource(nameof(Policies))]
    public void The_table_has_an_enabled_schema_bound_policy_filtering_reads_and_blocking_each_write(string policyName, string table, string[] predicates)
    {
        var policy = _model.GetObject(SecurityPolicy.TypeClass, new ObjectIdentifier(Security, policyName), DacQueryScopes.UserDefined);

        Assert.That(policy, Is.Not.Null, policyName);
        Assert.Multiple(() =>
        {
            Assert.That(policy.GetProperty<bool>(SecurityPolicy.Enabled), Is.True, "STATE = ON");
            Assert.That(policy.GetProperty<bool>(SecurityPolicy.IsSchemaBound), Is.True, "SCHEMABINDING = ON: predicates run without permission checks for the app's user");
            Assert.That(PredicatesOf(policy).Select(p => p.Target), Is.All.EqualTo($"[dbo].[{table}]"));
            Assert.That(PredicatesOf(policy).Select(p => p.Description), Is.EquivalentTo(predicates));
        });
    }

    [Test]
    public void Every_table_is_under_a_filter_predicate()
    {
        var tables = _model.GetObjects(DacQueryScopes.UserDefined, Table.TypeClass).Select(t => t.Name.ToString()).ToList();
        var filtered = _model.GetObjects(DacQueryScopes.UserDefined, SecurityPolicy.TypeClass)
            .Where(policy => policy.GetProperty<bool>(SecurityPolicy.Enabled))
            .SelectMany(PredicatesOf)
            .Where(p => p.Type == SecurityPredicateType.Filter)
            .Select(p => p.Target);

        Assert.That(tables, Is.EquivalentTo(new[] { "[dbo].[Todos]", "[dbo].[TodoCreateRequests]" }), "the tables this test knows");
        Assert.That(filtered, Is.EquivalentTo(tables), "a table of user data without a policy would be open to every caller");
    }

    [Test]
    public void Predicate_functions_are_inline_schema_bound_and_in_the_Security_schema()
    {
        var functions = PredicateFunctions().ToList();

        Assert.That(functions.Select(f => f.Name.ToString()), Is.EquivalentTo(new[]
        {
            "[Security].[OwnerPredicate]", "[Security].[TodoReadPredicate]", "[Security].[TodoPurgePredicate]", "[Security].[CreateRequestReadPredicate]",
        }));
        Assert.Multiple(() =>
        {
            foreach (var function in functions)
            {
                Assert.That(function.GetProperty<bool>(TableValuedFunction.WithSchemaBinding), Is.True, $"{function.Name}: WITH SCHEMABINDING");
                Assert.That(function.Name.Parts[0], Is.EqualTo(Security));
                Assert.That(Parse(function).ReturnType, Is.InstanceOf<SelectFunctionReturnType>(), $"{function.Name}: an inline table-valued function (RETURN SELECT)");
            }
        });
    }

    [Test]
    public void The_predicates_read_exactly_the_session_context_keys_the_app_sets_cast_to_the_types_it_sends()
    {
        var read = PredicateFunctions().SelectMany(f => SessionContextReads(Parse(f))).Distinct().ToList();
        var set = SessionContext.ForOwner(new string('0', OwnerId.Length)).Entries
            .Concat(SessionContext.ForPurge(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, TimeSpan.FromSeconds(1)).Entries)
            .Select(entry => (entry.Key, Type: SqlTypeOf(entry)))
            .ToList();

        Assert.That(read, Is.EquivalentTo(set));
        Assert.That(set.Select(s => s.Key), Is.EquivalentTo(new[] { "OwnerId", "PurgeDeletedBefore", "PurgeCreatedBefore" }));
    }

    [Test]
    public void Owners_match_by_equality_and_the_purge_arms_only_reach_rows_strictly_before_their_cutoff()
    {
        var comparisons = PredicateFunctions().ToDictionary(f => f.Name.Parts[1], f => Comparisons(Parse(f)));

        Assert.Multiple(() =>
        {
            Assert.That(comparisons["OwnerPredicate"], Is.EqualTo(new[] { "@OwnerId Equals OwnerId" }));
            Assert.That(comparisons["TodoReadPredicate"], Is.EqualTo(new[] { "@OwnerId Equals OwnerId", "@DeletedAt LessThan PurgeDeletedBefore" }));
            Assert.That(comparisons["TodoPurgePredicate"], Is.EqualTo(new[] { "@DeletedAt LessThan PurgeDeletedBefore" }), "a live row (NULL) never qualifies");
            Assert.That(comparisons["CreateRequestReadPredicate"], Is.EqualTo(new[] { "@OwnerId Equals OwnerId", "@CreatedAt LessThan PurgeCreatedBefore" }));
        });
    }

    [Test]
    public void The_read_predicates_join_the_owner_and_the_purge_arms_with_OR_only()
    {
        foreach (var name in new[] { "TodoReadPredicate", "CreateRequestReadPredicate" })
        {
            var function = PredicateFunctions().Single(f => f.Name.Parts[1] == name);
            var where = ((QuerySpecification)((SelectFunctionReturnType)Parse(function).ReturnType).SelectStatement.QueryExpression).WhereClause.SearchCondition;

            Assert.That(where, Is.InstanceOf<BooleanBinaryExpression>(), name);
            Assert.That(((BooleanBinaryExpression)where).BinaryExpressionType, Is.EqualTo(BooleanBinaryExpressionType.Or), name);
            Assert.That(((BooleanBinaryExpression)where).FirstExpression, Is.InstanceOf<BooleanComparisonExpression>(), name);
            Assert.That(((BooleanBinaryExpression)where).SecondExpression, Is.InstanceOf<BooleanComparisonExpression>(), name);
        }
    }

    [TestCase(
        "CREATE SECURITY POLICY [Security].[Bad] ADD FILTER PREDICATE [Security].[OwnerPredicate]([NoSuchColumn]) ON [dbo].[Todos] WITH (STATE = OFF);",
        "NoSuchColumn",
        TestName = "A predicate on a missing column")]
    [TestCase(
        "CREATE SECURITY POLICY [Security].[Bad] ADD FILTER PREDICATE [Security].[OwnerPredicate]([OwnerId]) ON [dbo].[Todos] WITH (STATE = ON);",
        "multiple enabled security policies",
        TestName = "A second enabled policy on a table")]
    public void A_broken_policy_fails_validation(string script, string expected)
    {
        // Proves the schema's zero-error validation covers security policies.
        using var broken = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));
        broken.AddOrUpdateObjects(script, "bad.sql", new TSqlObjectOptions());

        Assert.That(SchemaModel.Errors(broken), Has.Some.Contains(expected));
    }

    [Test]
    public void A_policy_over_a_function_without_schema_binding_fails_validation()
    {
        using var broken = SchemaModel.Load(RepositoryRoot.Combine("Database", "Schema"));
        broken.AddOrUpdateObjects(
            "CREATE FUNCTION [Security].[Loose] (@OwnerId CHAR (73)) RETURNS TABLE AS RETURN SELECT 1 AS [Allowed] WHERE @OwnerId = CAST(SESSION_CONTEXT(N'OwnerId') AS CHAR (73));",
            "loose.sql",
            new TSqlObjectOptions());
        broken.AddOrUpdateObjects(
            "CREATE SECURITY POLICY [Security].[Bad] ADD FILTER PREDICATE [Security].[Loose]([OwnerId]) ON [dbo].[TodoCreateRequests] WITH (STATE = OFF, SCHEMABINDING = ON);",
            "bad.sql",
            new TSqlObjectOptions());

        Assert.That(SchemaModel.Errors(broken), Has.Some.Contains("does not use schema binding"));
    }

    private static IEnumerable<(SecurityPredicateType Type, string Target, string Description)> PredicatesOf(TSqlObject policy) =>
        policy.GetChildren()
            .Where(child => child.ObjectType == SecurityPredicate.TypeClass)
            .Select(predicate =>
            {
                var type = predicate.GetProperty<SecurityPredicateType>(SecurityPredicate.PredicateType);
                var operation = predicate.GetProperty<SecurityPredicateOperation>(SecurityPredicate.Operation);
                var target = predicate.GetReferenced(SecurityPredicate.TargetObject).Single().Name.ToString();
                return (type, target, $"{type} {operation} {predicate.GetProperty(SecurityPredicate.BodyScript)}");
            });

    private IEnumerable<TSqlObject> PredicateFunctions() =>
        _model.GetObjects(DacQueryScopes.UserDefined, SecurityPolicy.TypeClass)
            .SelectMany(policy => policy.GetChildren())
            .Where(child => child.ObjectType == SecurityPredicate.TypeClass)
            .SelectMany(predicate => predicate.GetReferenced(SecurityPredicate.BodyDependencies))
            .Where(dependency => dependency.ObjectType == TableValuedFunction.TypeClass)
            .DistinctBy(function => function.Name.ToString());

    private static CreateFunctionStatement Parse(TSqlObject function)
    {
        Assert.That(function.TryGetScript(out var script), Is.True);
        var fragment = new TSql170Parser(initialQuotedIdentifiers: true).Parse(new StringReader(script), out var errors);
        Assert.That(errors, Is.Empty);
        return ((TSqlScript)fragment).Batches.SelectMany(b => b.Statements).OfType<CreateFunctionStatement>().Single();
    }

    /// <summary>Each <c>CAST(SESSION_CONTEXT(N'key') AS type)</c>: the key and the type, e.g. <c>("OwnerId", "char(73)")</c>.</summary>
    private static IEnumerable<(string Key, string Type)> SessionContextReads(TSqlFragment function)
    {
        var collector = new FragmentCollector();
        function.Accept(collector);
        var reads = collector.Fragments.OfType<FunctionCall>().Where(IsSessionContext).ToList();
        var casts = collector.Fragments.OfType<CastCall>().Where(cast => cast.Parameter is FunctionCall call && IsSessionContext(call)).ToList();
        Assert.That(casts, Has.Count.EqualTo(reads.Count), "every SESSION_CONTEXT read is cast to the type the app sends");
        return casts.Select(cast => (KeyOf((FunctionCall)cast.Parameter), TypeName(cast.DataType)));
    }

    /// <summary>Each comparison as "left Operator key": a parameter against a cast session context value.</summary>
    private static List<string> Comparisons(TSqlFragment function)
    {
        var collector = new FragmentCollector();
        function.Accept(collector);
        return collector.Fragments.OfType<BooleanComparisonExpression>().Select(comparison =>
        {
            var left = comparison.FirstExpression is VariableReference variable ? variable.Name : comparison.FirstExpression.GetType().Name;
            var right = Unwrap(comparison.SecondExpression) is CastCall { Parameter: FunctionCall call } && IsSessionContext(call) ? KeyOf(call) : comparison.SecondExpression.GetType().Name;
            return $"{left} {comparison.ComparisonType} {right}";
        }).ToList();
    }

    private static ScalarExpression Unwrap(ScalarExpression expression) => expression is ParenthesisExpression parenthesis ? Unwrap(parenthesis.Expression) : expression;

    private static bool IsSessionContext(FunctionCall call) =>
        string.Equals(call.FunctionName.Value, "SESSION_CONTEXT", StringComparison.OrdinalIgnoreCase);

    private static string KeyOf(FunctionCall call) => ((StringLiteral)call.Parameters.Single()).Value;

    private static string TypeName(DataTypeReference type) => type is SqlDataTypeReference sql
        ? $"{sql.SqlDataTypeOption.ToString().ToLowerInvariant()}({string.Join(",", sql.Parameters.Select(p => p.Value))})"
        : type.Name.BaseIdentifier.Value.ToLowerInvariant();

    /// <summary>The SQL type an entry travels as, written as the predicates cast it.</summary>
    private static string SqlTypeOf(SessionContextEntry entry) => entry.Type switch
    {
        SqlDbType.Char => $"char({entry.Size})",
        SqlDbType.DateTimeOffset => "datetimeoffset(7)",
        var other => throw new AssertionException($"The app sends {entry.Key} as {other}, which this test does not map."),
    };
}
