namespace AzureSqlFunctions.Database.Grants;

/// <summary>
/// The statements that give the app's managed identity least-privilege data access, bound to the identity itself
/// rather than to a name: the database user <see cref="IdentityGrant.Name"/> must carry the identity's SID (its
/// client id as <c>varbinary(16)</c>, which is what Azure SQL stores for a service principal's user). A same-named
/// user with another SID — left over from an identity that was deleted and created again, or another principal —
/// is dropped and created anew; the identity already present under another name stops the grant. Then membership of
/// db_datareader and db_datawriter, never db_ddladmin or db_owner. Every statement checks first, so a second run
/// changes nothing.
/// </summary>
/// <remarks>
/// DDL takes no parameters, so the user name is written into the text as a bracket-quoted identifier (<c>]</c>
/// doubled), messages as N'' literals (<c>'</c> doubled) and the object id only ever as a formatted <see cref="Guid"/>.
/// The checks compare against the <see cref="NameParameter"/> and <see cref="ClientIdParameter"/> parameters.
/// </remarks>
internal static class GrantSql
{
    public const string NameParameter = "@Name";

    public const string ClientIdParameter = "@ClientId";

    public const string ReaderRole = "db_datareader";

    public const string WriterRole = "db_datawriter";

    /// <summary>THROW number when the identity is already the user of another name.</summary>
    public const int IdentityUnderAnotherNameError = 50001;

    /// <summary>THROW number when the user, once created, does not carry the identity's SID (object and client id of different principals).</summary>
    public const int SidMismatchError = 50002;

    private const string IdentitySid = "CAST(@ClientId AS varbinary(16))";

    /// <summary>
    /// The principals the grant is about, read before anything changes so the console can say what it found: the
    /// one named <see cref="NameParameter"/> and any that carries the identity's SID. Columns: name, type_desc, sid,
    /// IsIdentity (whether sid is the identity's).
    /// </summary>
    public const string Principals = $"""
        SELECT name, type_desc, sid, CAST(CASE WHEN sid = {IdentitySid} THEN 1 ELSE 0 END AS bit) AS IsIdentity
        FROM sys.database_principals
        WHERE name = @Name OR sid = {IdentitySid};
        """;

    private const string IdentityUnderAnotherName = $"SELECT 1 FROM sys.database_principals WHERE sid = {IdentitySid} AND name <> @Name";

    private const string NameWithAnotherSid = $"SELECT 1 FROM sys.database_principals WHERE name = @Name AND (sid IS NULL OR sid <> {IdentitySid})";

    private const string UserExists = "SELECT 1 FROM sys.database_principals WHERE name = @Name";

    private const string UserIsIdentity = $"SELECT 1 FROM sys.database_principals WHERE name = @Name AND sid = {IdentitySid}";

    /// <summary>Whether the user named by <see cref="NameParameter"/> is already a member of <paramref name="role"/> (one of the role constants).</summary>
    private static string RoleMembershipExists(string role) => $"""
        SELECT 1
        FROM sys.database_role_members AS rm
        JOIN sys.database_principals AS r ON r.principal_id = rm.role_principal_id
        JOIN sys.database_principals AS m ON m.principal_id = rm.member_principal_id
        WHERE r.name = N'{role}' AND m.name = @Name
        """;

    /// <summary>The statements, in order; each expects <see cref="NameParameter"/> and <see cref="ClientIdParameter"/> bound to the grant.</summary>
    public static IReadOnlyList<GrantStatement> For(IdentityGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var user = QuoteIdentifier(grant.Name);
        return
        [
            new(GrantStep.RefuseIdentityUnderAnotherName, $"IF EXISTS ({IdentityUnderAnotherName})\n    THROW {IdentityUnderAnotherNameError}, {QuoteLiteral($"The identity (client id {grant.ClientId:D}) is already a user of this database under another name than {user}: rename or drop that user, or grant under its name.")}, 1;"),
            new(GrantStep.DropUserWithAnotherSid, $"IF EXISTS ({NameWithAnotherSid})\n    DROP USER {user};"),
            new(GrantStep.CreateUser, $"IF NOT EXISTS ({UserExists})\n    CREATE USER {user} FROM EXTERNAL PROVIDER WITH OBJECT_ID = '{grant.ObjectId:D}';"),
            new(GrantStep.VerifySid, $"IF NOT EXISTS ({UserIsIdentity})\n    THROW {SidMismatchError}, {QuoteLiteral($"{user} does not carry the SID of client id {grant.ClientId:D}: object id {grant.ObjectId:D} belongs to another principal. Pass the identity's principal id and client id.")}, 1;"),
            new(GrantStep.AddToReaderRole, AddToRole(ReaderRole, user)),
            new(GrantStep.AddToWriterRole, AddToRole(WriterRole, user)),
        ];
    }

    /// <summary>A script for reading or running by hand (dry run): the parameters declared up front, then the statements.</summary>
    public static string Script(IdentityGrant grant)
    {
        ArgumentNullException.ThrowIfNull(grant);
        string[] declarations =
        [
            $"DECLARE {NameParameter} sysname = {QuoteLiteral(grant.Name)};",
            $"DECLARE {ClientIdParameter} uniqueidentifier = '{grant.ClientId:D}';",
        ];
        return string.Join("\n", [.. declarations, .. For(grant).Select(statement => statement.Text)]) + "\n";
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
