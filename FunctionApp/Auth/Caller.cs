namespace AzureSqlFunctions.Auth;

/// <summary>
/// The authenticated caller of an HTTP invocation, from its validated access token. <see cref="TenantId"/> +
/// <see cref="ObjectId"/> (the token's <c>tid</c> and <c>oid</c>) identify the user or service principal for good:
/// they are what data may be keyed on, never names or e-mail addresses, which change.
/// </summary>
/// <param name="TenantId">The <c>tid</c> claim: the caller's directory.</param>
/// <param name="ObjectId">The <c>oid</c> claim: the user's or service principal's object id in that directory.</param>
/// <param name="ClientId">The <c>azp</c> claim: the client app the token was issued to (the SPA, or the service itself).</param>
/// <param name="Kind">A user through a client app, or an app as itself.</param>
/// <param name="Scopes">The delegated scopes granted (<c>scp</c>); empty for an app.</param>
/// <param name="Roles">The app roles granted (<c>roles</c>).</param>
public sealed record Caller(Guid TenantId, Guid ObjectId, string ClientId, CallerKind Kind, IReadOnlyList<string> Scopes, IReadOnlyList<string> Roles);
