namespace AzureSqlFunctions.Database.Grants;

/// <summary>
/// The idempotent statements that give the app's managed identity least-privilege data access:
/// a contained user from Entra ID, and membership of db_datareader and db_datawriter — never db_ddladmin or
/// db_owner, since the app only reads and writes rows. Every statement checks first, so a second run changes nothing.
/// </summary>
/// <remarks>
/// DDL takes no parameters, so the user name is written into the text as a bracket-quoted identifier
/// (<c>]</c> doubled) and the object id only ever as a formatted <see cref="Guid"/>. The existence checks
/// compare against the <see cref="NameParameter"/> parameter instead of text.
/// </remarks>
internal static class GrantSql
{
    public const string NameParameter = "@Name";

    public const string ReaderRole = "db_datareader";

    public const string WriterRole = "db_datawriter";

    public const string UserExists = "SELECT 1 FROM sys.database_principals WHERE name = @Name";

    /// <summary>Whether the user named by <see cref="NameParameter"/> is already a member of <paramref name="role"/> (one of the role constants).</summary>
    private static string RoleMembershipExists(string role) => $"""
        SELECT 1
        FROM sys.database_role_members AS rm
        JOIN sys.database_principals AS r ON r.principal_id = rm.role_principal_id
        JOIN sys.database_principals AS m ON m.principal_id = rm.member_principal_id
        WHERE r.name = N'{role}' AND m.name = @Name
        """;

    /// <summary>The statements, in order; each expects <see cref="NameParameter"/> bound to <see cref="IdentityGrant.Name"/>.</summary>
    public static IReadOnlyList<string> For(IdentityGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var user = QuoteIdentifier(grant.Name);
        return
        [
            $"IF NOT EXISTS ({UserExists})\n    CREATE USER {user} FROM EXTERNAL PROVIDER WITH OBJECT_ID = '{grant.ObjectId:D}';",
            AddToRole(ReaderRole, user),
            AddToRole(WriterRole, user),
        ];
    }

    /// <summary>A script for reading or running by hand (dry run): the statements with the parameter declared up front.</summary>
    public static string Script(IdentityGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var declare = $"DECLARE {NameParameter} sysname = {QuoteLiteral(grant.Name)};";
        return string.Join("\n", [declare, .. For(grant)]) + "\n";
    }

    /// <summary>Brackets an identifier so any text is taken as a name: <c>a]b</c> becomes <c>[a]]b]</c>.</summary>
    public static string QuoteIdentifier(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return "[" + name.Replace("]", "]]", StringComparison.Ordinal) + "]";
    }

    /// <summary>A Unicode string literal: <c>O'Neil</c> becomes <c>N'O''Neil'</c>.</summary>
    public static string QuoteLiteral(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return "N'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    private static string AddToRole(string role, string quotedUser) =>
        $"IF NOT EXISTS ({RoleMembershipExists(role)})\n    ALTER ROLE {role} ADD MEMBER {quotedUser};";
}
