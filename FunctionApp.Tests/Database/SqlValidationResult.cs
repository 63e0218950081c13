namespace AzureSqlFunctions.Tests.Database;

/// <summary>What <see cref="SqlStatementValidator"/> found: problems fail a statement, warnings are for reading.</summary>
internal sealed record SqlValidationResult(IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings)
{
    public bool IsValid => Problems.Count == 0;

    public override string ToString() =>
        string.Join(Environment.NewLine, Problems.Select(p => "problem: " + p).Concat(Warnings.Select(w => "warning: " + w)));
}
