using AzureSqlFunctions.Database.Upgrades;
using Microsoft.SqlServer.TransactSql.ScriptDom;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The upgrade's statements read back with the T-SQL parser, for what the TDS peer (which matches them by text) and
/// DacFx's plan (which sees columns and keys, not rows or locks) cannot tell: the fill gives every row exactly the
/// parameter, each count locks its whole table exclusively, the catalog query asks for the schema's tables lacking
/// the column, and upgrades wait for each other on a lock the transaction owns.
/// </summary>
[TestFixture]
internal sealed class OwnerColumnUpgradeSqlTests
{
    private static IEnumerable<OwnerColumnUpgradeTable> Tables => OwnerColumnUpgradeSql.Tables;

    [TestCaseSource(nameof(Tables))]
    public void The_fill_sets_every_row_s_owner_to_the_parameter_and_nothing_else(OwnerColumnUpgradeTable table)
    {
        var update = Single<UpdateStatement>(table.FillColumn).UpdateSpecification;

        Assert.Multiple(() =>
        {
            Assert.That(Name(update.Target), Is.EqualTo($"dbo.{table.Name}"));
            Assert.That(update.WhereClause, Is.Null, "every row");
            Assert.That(update.TopRowFilter, Is.Null, "every row");
            Assert.That(update.FromClause, Is.Null);
            var set = (AssignmentSetClause)update.SetClauses.Single();
            Assert.That(set.Column.MultiPartIdentifier.Identifiers.Single().Value, Is.EqualTo("OwnerId"));
            Assert.That(set.AssignmentKind, Is.EqualTo(AssignmentKind.Equals));
            Assert.That(set.NewValue, Is.TypeOf<VariableReference>().With.Property(nameof(VariableReference.Name)).EqualTo(OwnerColumnUpgradeSql.OwnerParameter),
                "the owner as given, no function around it (the column compares byte for byte)");
        });
    }

    [TestCaseSource(nameof(Tables))]
    public void The_count_locks_the_whole_table_exclusively_to_the_end_of_the_transaction(OwnerColumnUpgradeTable table)
    {
        var query = (QuerySpecification)Single<SelectStatement>(table.CountAndLock).QueryExpression;
        var from = (NamedTableReference)query.FromClause.TableReferences.Single();

        Assert.Multiple(() =>
        {
            Assert.That(Name(from), Is.EqualTo($"dbo.{table.Name}"));
            Assert.That(from.TableHints.Select(hint => hint.HintKind), Is.EquivalentTo(new[] { TableHintKind.TabLockX, TableHintKind.HoldLock }));
            Assert.That(query.WhereClause, Is.Null);
            var count = (FunctionCall)((SelectScalarExpression)query.SelectElements.Single()).Expression;
            Assert.That(count.FunctionName.Value, Is.EqualTo("COUNT_BIG").IgnoreCase);
        });
    }

    [Test]
    public void The_catalog_query_asks_for_the_schema_s_tables_that_lack_the_owner_column()
    {
        var fragments = Fragments(OwnerColumnUpgradeSql.TablesWithoutOwner);
        var names = fragments.OfType<InPredicate>().Single().Values.Cast<StringLiteral>().Select(literal => literal.Value);
        var missing = fragments.OfType<BooleanNotExpression>().Single().Expression;
        var subquery = Fragments(missing);

        Assert.Multiple(() =>
        {
            Assert.That(names, Is.EquivalentTo(Tables.Select(table => table.Name)));
            Assert.That(missing, Is.TypeOf<ExistsPredicate>(), "NOT EXISTS: tables without the column");
            Assert.That(subquery.OfType<NamedTableReference>().Select(Name), Is.EqualTo(new[] { "sys.columns" }));
            Assert.That(subquery.OfType<StringLiteral>().Select(literal => literal.Value), Is.EqualTo(new[] { "OwnerId" }));
        });
    }

    [Test]
    public void Upgrades_wait_for_each_other_on_a_lock_their_transaction_owns()
    {
        var fragments = Fragments(OwnerColumnUpgradeSql.OneUpgradeAtATime);
        var call = fragments.OfType<ExecutableProcedureReference>().Single();
        var parameters = call.Parameters.ToDictionary(p => p.Variable.Name, p => p.ParameterValue is StringLiteral text ? text.Value : p.ParameterValue.ToString(), StringComparer.OrdinalIgnoreCase);

        Assert.Multiple(() =>
        {
            Assert.That(call.ProcedureReference.ProcedureReference.Name.BaseIdentifier.Value, Is.EqualTo("sp_getapplock"));
            Assert.That(parameters["@LockMode"], Is.EqualTo("Exclusive"));
            Assert.That(parameters["@LockOwner"], Is.EqualTo("Transaction"), "released by the commit or the rollback");
            Assert.That(fragments.OfType<ThrowStatement>().Count(), Is.EqualTo(1), "a lock not granted stops the upgrade");
        });
    }

    private static T Single<T>(string text)
        where T : TSqlStatement => (T)Parse(text).Batches.Single().Statements.Single();

    private static List<TSqlFragment> Fragments(string text) => Fragments(Parse(text));

    private static List<TSqlFragment> Fragments(TSqlFragment fragment)
    {
        var collector = new FragmentCollector();
        fragment.Accept(collector);
        return collector.Fragments;
    }

    private static string Name(TableReference table) => table is NamedTableReference named
        ? $"{named.SchemaObject.SchemaIdentifier?.Value}.{named.SchemaObject.BaseIdentifier.Value}"
        : table.GetType().Name;

    private static TSqlScript Parse(string text)
    {
        var script = (TSqlScript)new TSql170Parser(initialQuotedIdentifiers: true).Parse(new StringReader(text), out var errors);
        Assert.That(errors.Select(e => e.Message), Is.Empty, text);
        return script;
    }
}
