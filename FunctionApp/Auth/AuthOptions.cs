namespace AzureSqlFunctions.Auth;

/// <summary>
/// The <c>Auth</c> section (app settings <c>Auth__…</c>): which Entra tenant signs the callers' access tokens, which
/// audience they must carry, and what they must grant. Checked at startup by <see cref="AuthOptionsValidator"/>.
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";
    public const string DefaultInstance = "https://login.microsoftonline.com/";
    public const string DefaultScope = "Todos.ReadWrite";
    public const string DefaultAppRole = "Todos.ReadWrite.All";

    /// <summary>Directory (tenant) id of the API's app registration; only its tokens are accepted.</summary>
    public string? TenantId { get; set; }

    /// <summary>The <c>aud</c> tokens must carry: the API's client id (v2.0 tokens) or its application ID URI.</summary>
    public string? Audience { get; set; }

    /// <summary>The Entra authority host (a sovereign cloud's, or a local test issuer's).</summary>
    public string Instance { get; set; } = DefaultInstance;

    /// <summary>The delegated scope a signed-in user's token must grant.</summary>
    public string Scope { get; set; } = DefaultScope;

    /// <summary>The app role a service caller's app-only token must carry.</summary>
    public string AppRole { get; set; } = DefaultAppRole;

    /// <summary>Tolerated clock difference when checking a token's lifetime.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Least time between two metadata refreshes that tokens with an unknown key id can cause, so a flood of forged
    /// key ids cannot make the app hammer the tenant's metadata endpoint.
    /// </summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Only for local test issuers: allows plain-http metadata from a loopback address.</summary>
    public bool AllowInsecureMetadata { get; set; }

    /// <summary>The tenant's v2.0 authority, which is also the <c>iss</c> of its v2.0 access tokens.</summary>
    internal string Issuer => $"{Instance.TrimEnd('/')}/{TenantId}/v2.0";

    internal string MetadataAddress => $"{Issuer}/.well-known/openid-configuration";
}
