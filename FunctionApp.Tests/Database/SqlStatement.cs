namespace AzureSqlFunctions.Tests.Database;

/// <summary>One SQL text constant of the app: where it lives, its text, and its [SqlParameters] declarations (null when missing).</summary>
internal sealed record SqlStatement(string Name, string Text, string? Declarations)
{
    public override string ToString() => Name;
}
