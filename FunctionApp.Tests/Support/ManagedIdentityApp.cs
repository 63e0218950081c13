using AzureSqlFunctions.Tests.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.Tests.Support;

/// <summary>
/// The app as it runs in Azure: <c>Sql__Credential=ManagedIdentity</c>, the real ManagedIdentityCredential talking to
/// the managed-identity peer (App Service protocol, through IDENTITY_ENDPOINT), the TDS peer admitting the identity.
/// MSAL's process-wide managed-identity cache is reset on start and dispose, so request counts are this test's own.
/// </summary>
internal sealed class ManagedIdentityApp : IAsyncDisposable
{
    private readonly IDisposable _environment;

    private ManagedIdentityApp(TokenIssuer issuer, TestPrincipal identity, ManagedIdentityEndpoint endpoint, IDisposable environment, AppOnPeer app)
    {
        Issuer = issuer;
        Identity = identity;
        Endpoint = endpoint;
        _environment = environment;
        App = app;
    }

    public TokenIssuer Issuer { get; }

    public TestPrincipal Identity { get; }

    public ManagedIdentityEndpoint Endpoint { get; }

    public AppOnPeer App { get; }

    /// <param name="userAssigned">A user-assigned identity to register and use by client id; null: the system-assigned one.</param>
    public static async Task<ManagedIdentityApp> StartAsync(TestPrincipal? userAssigned = null, params (string Key, string? Value)[] settings)
    {
        MsalSharedState.Reset();
        var issuer = new TokenIssuer();
        var systemAssigned = TestPrincipal.Create("func-identity");
        var endpoint = await ManagedIdentityEndpoint.StartAsync(issuer, systemAssigned);
        (string Key, string? Value)[] identitySettings = [("Sql__Credential", "ManagedIdentity")];
        if (userAssigned is not null)
        {
            endpoint.AddUserAssigned(userAssigned);
            identitySettings = [.. identitySettings, ("Sql__ManagedIdentityClientId", userAssigned.AppId)];
        }

        var environment = endpoint.ApplyToEnvironment();
        var identity = userAssigned ?? systemAssigned;
        var app = AppOnPeer.Start(credential: (_, _) => null, principal: identity, issuer: issuer, settings: [.. identitySettings, .. settings]);
        return new ManagedIdentityApp(issuer, identity, endpoint, environment, app);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        _environment.Dispose();
        await Endpoint.DisposeAsync();
        Issuer.Dispose();
        MsalSharedState.Reset();
    }
}
