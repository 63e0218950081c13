using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>Every node of a parsed T-SQL tree, in visiting order, for tests that ask what a script contains.</summary>
internal sealed class FragmentCollector : TSqlFragmentVisitor
{
    public List<TSqlFragment> Fragments { get; } = [];

    public override void Visit(TSqlFragment fragment)
    {
        Fragments.Add(fragment);
        base.Visit(fragment);
    }
}
