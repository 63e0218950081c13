using Azure.Core;
using Microsoft.SqlServer.Dac;

namespace AzureSqlFunctions.Database.Identity;

/// <summary>
/// Hands DacFx (through <see cref="IUniversalAuthProvider"/>) and the grant connection a Microsoft Entra
/// access token for Azure SQL. A token is reused until shortly before it expires, because DacFx asks for
/// one on every connection it opens during a deploy.
/// </summary>
internal sealed class EntraTokenProvider(TokenCredential credential, TimeProvider clock) : IUniversalAuthProvider
{
    public const string AzureSqlScope = "https://database.windows.net/.default";

    // Renew this long before expiry so a token never runs out in the middle of a connection handshake.
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly TokenRequestContext request = new([AzureSqlScope]);
    private readonly Lock gate = new();
    private AccessToken? current;

    public string GetValidAccessToken()
    {
        lock (gate)
        {
            if (current is not { } token || token.ExpiresOn - RefreshMargin <= clock.GetUtcNow())
            {
                token = credential.GetToken(request, CancellationToken.None);
                current = token;
            }

            return token.Token;
        }
    }
}
