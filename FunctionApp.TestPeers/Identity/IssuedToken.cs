namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>A signed access token and the facts a peer needs to answer with it.</summary>
public sealed record IssuedToken(string Token, DateTimeOffset IssuedAt, DateTimeOffset ExpiresOn, TestPrincipal Principal);
