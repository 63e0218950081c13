using AzureSqlFunctions.Database.Grants;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>
/// The part of an Azure SQL database the grant touches, behind the TDS peer: sys.database_principals, role members,
/// and Entra ID's answer to CREATE USER … WITH OBJECT_ID (the SID becomes the client id of the principal that object
/// id names). It answers exactly the statements of <see cref="GrantSql"/> and nothing else, the way SQL Server would:
/// a guard that holds runs its statement, THROW answers its error number.
/// </summary>
/// <remarks>
/// SQL Server stores a uniqueidentifier as the bytes of <see cref="Guid.ToByteArray"/> (that is what goes over TDS),
/// so CAST(@ClientId AS varbinary(16)) is those bytes; names compare case-insensitively, as under the default collation.
/// </remarks>
internal sealed class SimulatedCatalog
{
    private static readonly TdsColumn[] PrincipalColumns =
    [
        new("name", TdsColumnType.NVarChar, Nullable: false, MaxLength: 128),
        new("type_desc", TdsColumnType.NVarChar, MaxLength: 60),
        new("sid", TdsColumnType.VarBinary, MaxLength: 85),
        new("IsIdentity", TdsColumnType.Bit, Nullable: false),
    ];

    private readonly Lock gate = new();
    private readonly List<Principal> principals = [];
    private readonly Dictionary<Guid, Guid> clientIdByObjectId = [];

    public sealed record Principal(string Name, byte[]? Sid, HashSet<string> Roles);

    /// <summary>Every grant step that changed something: "DROP name", "CREATE name", "ROLE name role".</summary>
    public List<string> Changes { get; } = [];

    public IReadOnlyList<Principal> Principals
    {
        get
        {
            lock (gate)
            {
                return [.. principals];
            }
        }
    }

    /// <summary>Entra ID knows a service principal: its object id and its client (application) id.</summary>
    public SimulatedCatalog WithServicePrincipal(Guid objectId, Guid clientId)
    {
        clientIdByObjectId[objectId] = clientId;
        return this;
    }

    /// <summary>A database user that already exists, with the SID of <paramref name="clientId"/>.</summary>
    public SimulatedCatalog WithUser(string name, Guid clientId, params string[] roles)
    {
        principals.Add(new Principal(name, clientId.ToByteArray(), [.. roles]));
        return this;
    }

    public void AnswerOn(TdsServer server, IdentityGrant grant)
    {
        ArgumentNullException.ThrowIfNull(server);
        var statements = GrantSql.For(grant).ToDictionary(statement => statement.Text, statement => statement.Step);
        server.Handle(request =>
        {
            if (request.Text == GrantSql.Principals)
            {
                return Read(request);
            }

            return statements.TryGetValue(request.Text, out var step) ? Run(step, request, grant) : null;
        });
    }

    private SqlResponse Read(SqlRequest request)
    {
        var (name, sid) = Arguments(request);
        lock (gate)
        {
            var rows = principals
                .Where(p => SameName(p.Name, name) || SameSid(p.Sid, sid))
                .Select(p => new object?[] { p.Name, "EXTERNAL_USER", p.Sid, SameSid(p.Sid, sid) })
                .ToList();
            return SqlResponse.Rows(PrincipalColumns, rows);
        }
    }

    private SqlResponse Run(GrantStep step, SqlRequest request, IdentityGrant grant)
    {
        var (name, sid) = Arguments(request);
        lock (gate)
        {
            var named = principals.SingleOrDefault(p => SameName(p.Name, name));
            switch (step)
            {
                case GrantStep.RefuseIdentityUnderAnotherName when principals.Any(p => SameSid(p.Sid, sid) && !SameName(p.Name, name)):
                    return SqlResponse.Error(GrantSql.IdentityUnderAnotherNameError, "THROW: the identity is another user", 16);
                case GrantStep.DropUserWithAnotherSid when named is not null && !SameSid(named.Sid, sid):
                    principals.Remove(named);
                    Changes.Add($"DROP {named.Name}");
                    break;
                case GrantStep.CreateUser when named is null:
                    // Entra ID resolves the object id; the user's SID is that principal's client id.
                    if (!clientIdByObjectId.TryGetValue(grant.ObjectId, out var clientId))
                    {
                        return SqlResponse.Error(37545, $"'' is not a valid object id for '{name}' or you do not have permission.", 16);
                    }

                    principals.Add(new Principal(name, clientId.ToByteArray(), []));
                    Changes.Add($"CREATE {name}");
                    break;
                case GrantStep.VerifySid when !principals.Any(p => SameName(p.Name, name) && SameSid(p.Sid, sid)):
                    return SqlResponse.Error(GrantSql.SidMismatchError, "THROW: the user does not carry the identity's SID", 16);
                case GrantStep.AddToReaderRole or GrantStep.AddToWriterRole:
                    var role = step == GrantStep.AddToReaderRole ? GrantSql.ReaderRole : GrantSql.WriterRole;
                    if (named is not null && named.Roles.Add(role))
                    {
                        Changes.Add($"ROLE {named.Name} {role}");
                    }

                    break;
            }
        }

        return SqlResponse.Empty();
    }

    private static (string Name, byte[] Sid) Arguments(SqlRequest request) =>
        ((string)request[GrantSql.NameParameter]!, ((Guid)request[GrantSql.ClientIdParameter]!).ToByteArray());

    private static bool SameName(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool SameSid(byte[]? a, byte[] b) => a is not null && a.AsSpan().SequenceEqual(b);
}
