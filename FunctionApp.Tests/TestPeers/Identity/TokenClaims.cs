using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.Tests.TestPeers.Identity;

/// <summary>Reads single-valued claims of a token the issuer minted, for assertions.</summary>
internal static class TokenClaims
{
    public static IReadOnlyDictionary<string, string> Read(TokenIssuer issuer, string token) =>
        issuer.ReadClaims(token)
            .GroupBy(claim => claim.Type, StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First().Value, StringComparer.Ordinal);
}
