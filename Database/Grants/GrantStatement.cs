namespace AzureSqlFunctions.Database.Grants;

/// <summary>One statement of the grant and the step it performs.</summary>
internal sealed record GrantStatement(GrantStep Step, string Text);
