using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// Compares the parameters a wrapped statement declares with the variables its body uses: a variable used but
/// neither declared nor a local (DECLARE) is an undeclared parameter; a declared one never used is dead weight
/// that hides typos. Names compare case-insensitively, as T-SQL does under the default collation.
/// </summary>
internal static class SqlParameterUsage
{
    public static IReadOnlyList<string> Mismatches(CreateProcedureStatement procedure)
    {
        ArgumentNullException.ThrowIfNull(procedure);
        var declared = procedure.Parameters.Select(p => p.VariableName.Value).ToList();
        var body = new VariableCollector();
        procedure.StatementList.Accept(body);

        var problems = new List<string>();
        problems.AddRange(body.Used
            .Where(used => !Contains(declared, used) && !Contains(body.Locals, used))
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Select(used => $"{used} is used but not declared in [SqlParameters]."));
        problems.AddRange(declared
            .Where(parameter => !Contains(body.Used, parameter))
            .Select(parameter => $"{parameter} is declared in [SqlParameters] but not used."));
        return problems;
    }

    private static bool Contains(IEnumerable<string> names, string name) =>
        names.Contains(name, StringComparer.OrdinalIgnoreCase);

    private sealed class VariableCollector : TSqlFragmentVisitor
    {
        public List<string> Used { get; } = [];

        public List<string> Locals { get; } = [];

        public override void ExplicitVisit(VariableReference node)
        {
            Used.Add(node.Name);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(DeclareVariableElement node)
        {
            Locals.Add(node.VariableName.Value);
            base.ExplicitVisit(node);
        }

        public override void ExplicitVisit(DeclareTableVariableBody node)
        {
            Locals.Add(node.VariableName.Value);
            base.ExplicitVisit(node);
        }
    }
}
