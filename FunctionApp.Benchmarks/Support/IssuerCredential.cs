using Azure.Core;
using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>
/// A credential that mints each token straight from the peer's issuer and counts requests. Used where the token
/// clock must be faked (rotation): MSAL's managed-identity cache judges expiry by the real clock.
/// </summary>
internal sealed class IssuerCredential(TokenIssuer issuer, TestPrincipal principal) : TokenCredential
{
    private int _requests;

    public int Requests => Volatile.Read(ref _requests);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        var issued = issuer.Issue(principal);
        return new AccessToken(issued.Token, issued.ExpiresOn);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}
