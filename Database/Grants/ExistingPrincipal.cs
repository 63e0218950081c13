namespace AzureSqlFunctions.Database.Grants;

/// <summary>A row of <see cref="GrantSql.Principals"/>: a database principal named like the grant or carrying its SID.</summary>
/// <param name="Sid">The SID as stored; null for principals without one.</param>
/// <param name="IsIdentity">Whether <paramref name="Sid"/> is the identity's (its client id).</param>
internal sealed record ExistingPrincipal(string Name, string Type, byte[]? Sid, bool IsIdentity)
{
    public string SidText => Sid is null ? "no SID" : "SID 0x" + Convert.ToHexString(Sid);
}
