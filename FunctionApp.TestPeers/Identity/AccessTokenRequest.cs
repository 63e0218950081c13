namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>
/// What an <see cref="OpenIdProvider"/> puts in an access token, shaped like Entra ID v2.0 tokens for an API: a
/// delegated (user) token carries <c>scp</c>, an app-only token carries <c>roles</c> and no <c>scp</c>. The
/// overrides make the broken tokens tests need (wrong issuer or tenant, past or future lifetimes, an unpublished key).
/// </summary>
public sealed record AccessTokenRequest(TestPrincipal Subject, string Audience)
{
    /// <summary>Delegated scopes (the <c>scp</c> claim, space-separated); null makes an app-only token.</summary>
    public IReadOnlyList<string>? Scopes { get; init; }

    /// <summary>App roles (the <c>roles</c> claim); none when empty.</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];

    /// <summary>The client app the token is issued to (<c>azp</c>); the subject's own app id by default.</summary>
    public string? ClientId { get; init; }

    public DateTimeOffset? IssuedAt { get; init; }

    public DateTimeOffset? NotBefore { get; init; }

    public DateTimeOffset? Expires { get; init; }

    /// <summary>Replaces the provider's own <c>iss</c>.</summary>
    public string? Issuer { get; init; }

    /// <summary>Replaces the provider's own <c>tid</c>.</summary>
    public string? TenantId { get; init; }

    /// <summary>Leaves out the <c>oid</c> claim.</summary>
    public bool WithoutObjectId { get; init; }

    /// <summary>Signs with a key the provider does not publish (a forger's key, or one not rolled out yet).</summary>
    public bool SignWithUnpublishedKey { get; init; }

    public bool IsAppOnly => Scopes is null;

    /// <summary>A signed-in user's token for <paramref name="audience"/>, issued to a client app, with these scopes.</summary>
    public static AccessTokenRequest User(TestPrincipal user, string audience, string clientId, params string[] scopes) =>
        new(user, audience) { Scopes = scopes, ClientId = clientId };

    /// <summary>A service's own token (client credentials) for <paramref name="audience"/> with these app roles.</summary>
    public static AccessTokenRequest App(TestPrincipal app, string audience, params string[] roles) =>
        new(app, audience) { Roles = roles };
}
