using AzureSqlFunctions.Database.Grants;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>The grant statements, read back with the T-SQL parser: what SQL Server would see, not just the text.</summary>
[TestFixture]
internal sealed class GrantSqlTests
{
    private const string ObjectId = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";

    [TestCase("func-todos", "[func-todos]")]
    [TestCase("a]b", "[a]]b]")]
    [TestCase("]]", "[]]]]]")]
    public void Quotes_an_identifier_by_doubling_closing_brackets(string name, string quoted) =>
        Assert.That(GrantSql.QuoteIdentifier(name), Is.EqualTo(quoted));

    [Test]
    public void Creates_the_user_from_Entra_by_object_id_only_if_it_does_not_exist()
    {
        var statements = GrantSql.For(IdentityGrant.Create("func-todos", ObjectId));

        Assert.That(statements[0], Is.EqualTo(
            "IF NOT EXISTS (SELECT 1 FROM sys.database_principals WHERE name = @Name)\n"
            + "    CREATE USER [func-todos] FROM EXTERNAL PROVIDER WITH OBJECT_ID = '6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13';"));
    }

    [Test]
    public void Adds_only_the_data_reader_and_writer_roles_each_guarded_by_a_membership_check()
    {
        var statements = GrantSql.For(IdentityGrant.Create("func-todos", ObjectId));

        Assert.Multiple(() =>
        {
            Assert.That(statements, Has.Count.EqualTo(3));
            Assert.That(statements[1], Does.StartWith("IF NOT EXISTS (").And.Contain("r.name = N'db_datareader' AND m.name = @Name")
                .And.EndWith("ALTER ROLE db_datareader ADD MEMBER [func-todos];"));
            Assert.That(statements[2], Does.StartWith("IF NOT EXISTS (").And.Contain("r.name = N'db_datawriter' AND m.name = @Name")
                .And.EndWith("ALTER ROLE db_datawriter ADD MEMBER [func-todos];"));
            Assert.That(string.Concat(statements), Does.Not.Contain("db_owner").And.Not.Contain("db_ddladmin"));
        });
    }

    [TestCase("func-todos")]
    [TestCase("evil]; DROP TABLE dbo.Todos; --")]
    [TestCase("O'Neil [app]")]
    public void A_hostile_name_stays_one_identifier(string name)
    {
        var script = GrantSql.Script(IdentityGrant.Create(name, ObjectId));

        var parsed = Parse(script);
        var nodes = Collect(parsed);
        Assert.Multiple(() =>
        {
            Assert.That(nodes.OfType<DropTableStatement>(), Is.Empty);
            Assert.That(nodes.OfType<CreateUserStatement>().Select(s => s.Name.Value), Is.EqualTo(new[] { name }));
            Assert.That(nodes.OfType<AlterRoleStatement>().Select(s => ((AddMemberAlterRoleAction)s.Action).Member.Value), Is.EqualTo(new[] { name, name }));
            // The declared @Name literal carries the same name, so the existence checks look up this very user.
            Assert.That(nodes.OfType<DeclareVariableElement>().Select(d => ((StringLiteral)d.Value).Value), Is.EqualTo(new[] { name }));
        });
    }

    [Test]
    public void The_script_binds_the_name_parameter_before_the_statements()
    {
        var script = GrantSql.Script(IdentityGrant.Create("O'Neil", ObjectId));

        Assert.That(script, Does.StartWith("DECLARE @Name sysname = N'O''Neil';\n"));
    }

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
