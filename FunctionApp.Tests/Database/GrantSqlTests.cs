using AzureSqlFunctions.Database.Grants;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The grant statements, read back with the T-SQL parser: what SQL Server would see, not just the text. (A DacFx
/// model cannot check them further: without a master.dacpac reference, which no package here provides, it knows no
/// catalog view.)
/// </summary>
[TestFixture]
internal sealed class GrantSqlTests
{
    private const string ObjectId = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";
    private const string ClientId = "0d3b6a51-2c4e-4f7a-9b8d-1e2f3a4b5c6d";

    private static readonly GrantStep[] ExpectedOrder =
    [
        GrantStep.RefuseIdentityUnderAnotherName,
        GrantStep.DropUserWithAnotherSid,
        GrantStep.CreateUser,
        GrantStep.VerifySid,
        GrantStep.AddToReaderRole,
        GrantStep.AddToWriterRole,
    ];

    [TestCase("func-todos", "[func-todos]")]
    [TestCase("a]b", "[a]]b]")]
    [TestCase("]]", "[]]]]]")]
    public void Quotes_an_identifier_by_doubling_closing_brackets(string name, string quoted) =>
        Assert.That(GrantSql.QuoteIdentifier(name), Is.EqualTo(quoted));

    [Test]
    public void Checks_the_identity_then_replaces_a_stale_user_creates_verifies_and_grants_in_that_order() =>
        Assert.That(GrantSql.For(Grant()).Select(statement => statement.Step), Is.EqualTo(ExpectedOrder));

    [Test]
    public void Creates_the_user_from_Entra_by_object_id_only_if_none_of_that_name_exists()
    {
        var create = Statement(GrantStep.CreateUser);

        Assert.That(create, Is.EqualTo(
            "IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = @Name)\n"
            + "    CREATE USER [func-todos] FROM EXTERNAL PROVIDER WITH OBJECT_ID = '6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13';"));
    }

    [Test]
    public void A_same_named_user_is_dropped_only_when_its_sid_is_not_the_client_id()
    {
        var drop = Parse(Statement(GrantStep.DropUserWithAnotherSid));
        var guard = Collect(drop).OfType<IfStatement>().Single();

        Assert.Multiple(() =>
        {
            Assert.That(Collect(guard.ThenStatement).OfType<DropUserStatement>().Single().Name.Value, Is.EqualTo("func-todos"));
            Assert.That(guard.Predicate, Is.InstanceOf<ExistsPredicate>());
            // name = @Name AND (sid IS NULL OR sid <> CAST(@ClientId AS varbinary(16)))
            Assert.That(Comparisons(guard.Predicate), Is.EquivalentTo(new[] { ("name", BooleanComparisonType.Equals, "@Name"), ("sid", BooleanComparisonType.NotEqualToBrackets, "@ClientId as varbinary(16)") }));
            Assert.That(Collect(guard.Predicate).OfType<BooleanIsNullExpression>().Select(n => ((ColumnReferenceExpression)n.Expression).MultiPartIdentifier.Identifiers[^1].Value), Is.EqualTo(new[] { "sid" }));
        });
    }

    [Test]
    public void The_identity_under_another_name_and_a_user_without_its_sid_stop_the_grant_with_their_own_errors()
    {
        var refuse = Collect(Parse(Statement(GrantStep.RefuseIdentityUnderAnotherName))).OfType<IfStatement>().Single();
        var verify = Collect(Parse(Statement(GrantStep.VerifySid))).OfType<IfStatement>().Single();
        static int ThrownNumber(IfStatement guard) => int.Parse(((IntegerLiteral)((ThrowStatement)guard.ThenStatement).ErrorNumber).Value, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Multiple(() =>
        {
            Assert.That(ThrownNumber(refuse), Is.EqualTo(GrantSql.IdentityUnderAnotherNameError));
            Assert.That(Comparisons(refuse.Predicate), Is.EquivalentTo(new[] { ("sid", BooleanComparisonType.Equals, "@ClientId as varbinary(16)"), ("name", BooleanComparisonType.NotEqualToBrackets, "@Name") }));
            Assert.That(ThrownNumber(verify), Is.EqualTo(GrantSql.SidMismatchError));
            Assert.That(((BooleanNotExpression)verify.Predicate).Expression, Is.InstanceOf<ExistsPredicate>());
            Assert.That(Comparisons(verify.Predicate), Is.EquivalentTo(new[] { ("name", BooleanComparisonType.Equals, "@Name"), ("sid", BooleanComparisonType.Equals, "@ClientId as varbinary(16)") }));
            Assert.That(new[] { GrantSql.IdentityUnderAnotherNameError, GrantSql.SidMismatchError }, Has.All.GreaterThanOrEqualTo(50000), "THROW takes user error numbers");
        });
    }

    [Test]
    public void Adds_only_the_data_reader_and_writer_roles_each_guarded_by_a_membership_check()
    {
        var reader = Statement(GrantStep.AddToReaderRole);
        var writer = Statement(GrantStep.AddToWriterRole);

        Assert.Multiple(() =>
        {
            Assert.That(reader, Does.StartWith("IF NOT EXISTS (").And.Contain("r.name = N'db_datareader' AND m.name = @Name")
                .And.EndWith("ALTER ROLE db_datareader ADD MEMBER [func-todos];"));
            Assert.That(writer, Does.StartWith("IF NOT EXISTS (").And.Contain("r.name = N'db_datawriter' AND m.name = @Name")
                .And.EndWith("ALTER ROLE db_datawriter ADD MEMBER [func-todos];"));
            Assert.That(GrantSql.Script(Grant()), Does.Not.Contain("db_owner").And.Not.Contain("db_ddladmin"));
        });
    }

    [TestCase("func-todos")]
    [TestCase("evil]; DROP TABLE dbo.Todos; --")]
    [TestCase("O'Neil [app]")]
    [TestCase("x', 1; DROP TABLE dbo.Todos; THROW 50000, N'")]
    public void A_hostile_name_stays_one_identifier_and_one_literal(string name)
    {
        var script = GrantSql.Script(IdentityGrant.Create(name, ObjectId, ClientId));

        var nodes = Collect(Parse(script));
        Assert.Multiple(() =>
        {
            Assert.That(nodes.OfType<DropTableStatement>(), Is.Empty);
            Assert.That(nodes.OfType<CreateUserStatement>().Select(s => s.Name.Value), Is.EqualTo(new[] { name }));
            Assert.That(nodes.OfType<DropUserStatement>().Select(s => s.Name.Value), Is.EqualTo(new[] { name }));
            Assert.That(nodes.OfType<AlterRoleStatement>().Select(s => ((AddMemberAlterRoleAction)s.Action).Member.Value), Is.EqualTo(new[] { name, name }));
            Assert.That(nodes.OfType<ThrowStatement>(), Has.Exactly(2).Items);
            Assert.That(nodes.OfType<ThrowStatement>().Select(t => ((StringLiteral)t.Message).Value), Has.All.Contain(GrantSql.QuoteIdentifier(name)));
            // The declared @Name carries the same name, so every check looks up this very user.
            Assert.That(nodes.OfType<DeclareVariableElement>().Select(d => ((StringLiteral)d.Value).Value), Is.EqualTo(new[] { name, ClientId }));
        });
    }

    [Test]
    public void The_script_binds_both_parameters_before_the_statements_and_uses_no_other()
    {
        var script = GrantSql.Script(IdentityGrant.Create("O'Neil", ObjectId, ClientId));
        var used = Collect(Parse(script)).OfType<VariableReference>().Select(v => v.Name).Distinct().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(script, Does.StartWith($"DECLARE @Name sysname = N'O''Neil';\nDECLARE @ClientId uniqueidentifier = '{ClientId}';\n"));
            Assert.That(used, Is.EquivalentTo(new[] { GrantSql.NameParameter, GrantSql.ClientIdParameter }));
        });
    }

    private static IdentityGrant Grant() => IdentityGrant.Create("func-todos", ObjectId, ClientId);

    private static string Statement(GrantStep step) => GrantSql.For(Grant()).Single(statement => statement.Step == step).Text;

    // (column, comparison, other side) of every comparison in a predicate; a CAST prints as "@x as type(n)".
    private static List<(string Column, BooleanComparisonType Type, string Other)> Comparisons(TSqlFragment predicate) =>
        [.. Collect(predicate).OfType<BooleanComparisonExpression>()
            .Where(c => c.FirstExpression is ColumnReferenceExpression)
            .Select(c => (((ColumnReferenceExpression)c.FirstExpression).MultiPartIdentifier.Identifiers[^1].Value, c.ComparisonType, Describe(c.SecondExpression)))];

    private static string Describe(ScalarExpression expression) => expression switch
    {
        VariableReference variable => variable.Name,
        CastCall { Parameter: VariableReference variable, DataType: SqlDataTypeReference type } =>
            $"{variable.Name} as {type.SqlDataTypeOption.ToString().ToLowerInvariant()}({string.Join(",", type.Parameters.Select(p => p.Value))})",
        _ => expression.GetType().Name,
    };

    private static TSqlFragment Parse(string script)
    {
        using var reader = new StringReader(script);
        var fragment = new TSql170Parser(initialQuotedIdentifiers: true).Parse(reader, out var errors);
        Assert.That(errors.Select(e => $"{e.Line}:{e.Column} {e.Message}"), Is.Empty, script);
        return fragment;
    }

    private static List<TSqlFragment> Collect(TSqlFragment fragment)
    {
        var collector = new FragmentCollector();
        fragment.Accept(collector);
        return collector.Fragments;
    }
}
