using Azure.Core;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>A credential that issues numbered tokens with a fixed lifetime and records what it was asked for.</summary>
internal sealed class RecordingTokenCredential(TimeProvider clock, TimeSpan lifetime) : TokenCredential
{
    public List<TokenRequestContext> Requests { get; } = [];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Requests.Add(requestContext);
        return new AccessToken($"token-{Requests.Count}", clock.GetUtcNow() + lifetime);
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
