using Azure.Core;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// A TokenCredential whose answers a test scripts, counting every request. For unit tests of the token cache;
/// end-to-end tests use the real Azure.Identity credentials against the test peers instead.
/// </summary>
internal sealed class ScriptedCredential : TokenCredential
{
    private readonly Func<TokenRequestContext, CancellationToken, Task<AccessToken>> _answer;
    private int _requests;

    public ScriptedCredential(Func<TokenRequestContext, CancellationToken, Task<AccessToken>> answer) => _answer = answer;

    public int Requests => Volatile.Read(ref _requests);

    public List<string[]> Scopes { get; } = [];

    public static ScriptedCredential Issuing(Func<AccessToken> next) =>
        new((_, _) => Task.FromResult(next()));

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        lock (Scopes)
        {
            Scopes.Add(requestContext.Scopes);
        }

        return await _answer(requestContext, cancellationToken).ConfigureAwait(false);
    }
}
