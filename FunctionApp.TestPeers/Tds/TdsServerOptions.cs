using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>How a <see cref="TdsServer"/> presents itself and whose tokens it trusts.</summary>
public sealed class TdsServerOptions
{
    /// <summary>Validates every presented token (signature, audience, issuer, expiry) and supplies the clock.</summary>
    public required TokenIssuer Issuer { get; init; }

    public string DatabaseName { get; init; } = "appdb";

    /// <summary>Sent in FEDAUTHINFO (the callback's <c>Resource</c>) and required as the token audience.</summary>
    public string ServicePrincipalName { get; init; } = "https://database.windows.net/";

    /// <summary>Sent in FEDAUTHINFO (the callback's <c>Authority</c>); defaults to the issuer's tenant authority.</summary>
    public string? StsUrl { get; init; }

    internal string EffectiveStsUrl => StsUrl ?? $"https://login.microsoftonline.com/{Issuer.TenantId}";
}
