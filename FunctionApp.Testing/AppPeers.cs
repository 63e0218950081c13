using Azure.Core;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// The one way to start what the app talks to: a token issuer, the app's identity (a contained user of the TDS peer's
/// database), the TDS server demanding the issuer's tokens, and — for the app as it runs in Azure — the
/// managed-identity endpoint. <see cref="App(ValueTuple{string, string}[])"/> builds the app over them. Disposing stops
/// everything it started and clears SqlClient's pools.
/// </summary>
internal sealed class AppPeers : IAsyncDisposable
{
    /// <summary>
    /// SqlClient's own open retry off, so the app's retry provider is what retries; and no pool blocking period, which
    /// SqlClient's Auto setting already turns off for Azure SQL host names but not for 127.0.0.1.
    /// </summary>
    public const string ConnectionOptions = "ConnectRetryCount=0;Pool Blocking Period=NeverBlock;";

    private readonly List<AppUnderTest> _apps = [];
    private IDisposable? _identityEnvironment;

    private AppPeers(TokenIssuer issuer, TestPrincipal principal, TdsServer server)
    {
        Issuer = issuer;
        Principal = principal;
        Server = server;
    }

    public TokenIssuer Issuer { get; }

    /// <summary>The app's identity, a contained user of the peer's database.</summary>
    public TestPrincipal Principal { get; }

    public TdsServer Server { get; }

    /// <summary>The sign-in the apps made from here trust; null: <see cref="ApiSignIn.Shared"/>.</summary>
    public ApiSignIn? SignIn { get; set; }

    /// <summary>The managed-identity endpoint, once <see cref="StartManagedIdentityAsync"/> ran.</summary>
    public ManagedIdentityEndpoint? Identity { get; private set; }

    /// <summary>Application Insights' ingestion on loopback, once <see cref="StartIngestionAsync"/> ran.</summary>
    public AzureMonitorIngestionSink? Ingestion { get; private set; }

    /// <param name="time">The issuer's clock (tokens' lifetimes), shared with the app to rotate tokens without waiting.</param>
    /// <param name="principal">The app's identity; a new one by default.</param>
    /// <param name="servicePrincipalName">The resource the TDS peer names for its tokens (Azure SQL's by default).</param>
    public static AppPeers Start(TimeProvider? time = null, TestPrincipal? principal = null, string? servicePrincipalName = null)
    {
        var issuer = new TokenIssuer(time);
        principal ??= TestPrincipal.Create("app-identity");
        var options = servicePrincipalName is null
            ? new TdsServerOptions { Issuer = issuer }
            : new TdsServerOptions { Issuer = issuer, ServicePrincipalName = servicePrincipalName };
        var tds = TdsServer.Start(options);
        tds.AllowPrincipal(principal.ObjectId);
        return new AppPeers(issuer, principal, tds);
    }

    /// <summary>
    /// Starts the managed-identity endpoint (App Service protocol) for the app's identity and points Azure.Identity at
    /// it through IDENTITY_ENDPOINT / IDENTITY_HEADER. MSAL's process-wide managed-identity cache is reset, so request
    /// counts are this test's own. <paramref name="userAssigned"/> registers a user-assigned identity instead.
    /// </summary>
    public async Task<ManagedIdentityEndpoint> StartManagedIdentityAsync(bool userAssigned = false)
    {
        MsalSharedState.Reset();
        var systemAssigned = userAssigned ? TestPrincipal.Create("system-identity") : Principal;
        Identity = await ManagedIdentityEndpoint.StartAsync(Issuer, systemAssigned);
        if (userAssigned)
        {
            Identity.AddUserAssigned(Principal);
        }

        _identityEnvironment = Identity.ApplyToEnvironment();
        return Identity;
    }

    /// <summary>Starts <see cref="Ingestion"/>: apps made by <see cref="ShippedApp"/> then export their telemetry to it.</summary>
    /// <param name="countItems">The sink counts the items of each batch (see <see cref="AzureMonitorIngestionSink"/>).</param>
    public async Task<AzureMonitorIngestionSink> StartIngestionAsync(bool countItems = false)
    {
        Ingestion ??= await AzureMonitorIngestionSink.StartAsync(countItems);
        return Ingestion;
    }

    /// <summary>
    /// The peer's connection string in the shape infra/ gives the app: <c>Encrypt=True</c> with the server's certificate
    /// validated (the peer's self-signed one, pinned with <c>ServerCertificate=</c>, where Azure SQL's chains to a public
    /// root) and <c>Connection Timeout=30</c>; SqlClient's defaults for everything else (pool, ConnectRetryCount).
    /// </summary>
    public string ProductionConnectionString(string extra = "") =>
        Server.ConnectionString(TdsEncryption.Mandatory) + "Connection Timeout=30;" + extra;

    /// <summary>
    /// The app as it runs in Azure (<see cref="AppUnderTest.StartAsShipped"/>) over the peer, with production settings:
    /// <see cref="ProductionConnectionString"/>, transport security enforced, the default retry and timeout settings,
    /// managed identity when <see cref="StartManagedIdentityAsync"/> ran, and telemetry exported to
    /// <see cref="Ingestion"/> when it was started. <paramref name="settings"/> come last and win.
    /// </summary>
    public AppUnderTest ShippedApp(TokenCredential? credential, TimeProvider? time = null, params (string Key, string? Value)[] settings)
    {
        (string, string?)[] defaults = [("Sql__ConnectionString", ProductionConnectionString())];
        if (Identity is not null)
        {
            defaults = [.. defaults, ("Sql__Credential", "ManagedIdentity")];
            if (!Identity.SystemAssigned.Equals(Principal))
            {
                defaults = [.. defaults, ("Sql__ManagedIdentityClientId", Principal.AppId)];
            }
        }

        if (Ingestion is not null)
        {
            defaults = [.. defaults, ("APPLICATIONINSIGHTS_CONNECTION_STRING", Ingestion.ConnectionString)];
        }

        var app = AppUnderTest.StartAsShipped([.. defaults, .. settings], credential, time, SignIn);
        _apps.Add(app);
        return app;
    }

    /// <summary>The peer's connection string with <see cref="ConnectionOptions"/> (and any <paramref name="extra"/>).</summary>
    public string ConnectionString(TdsEncryption encryption = TdsEncryption.Off, string extra = "") =>
        Server.ConnectionString(encryption) + ConnectionOptions + extra;

    /// <summary>A credential that gets the peer's tokens straight from the issuer (the credential path is tested elsewhere).</summary>
    public ScriptedCredential IssuingCredential() =>
        ScriptedCredential.Issuing(() =>
        {
            var issued = Issuer.Issue(Principal);
            return new AccessToken(issued.Token, issued.ExpiresOn);
        });

    /// <summary>The app over the peer with the issuing credential, a short open back-off and the given settings.</summary>
    public AppUnderTest App(params (string Key, string? Value)[] settings) => App(IssuingCredential(), settings: settings);

    /// <summary>The app over the peer with <paramref name="credential"/> and the given settings.</summary>
    public AppUnderTest App(TokenCredential? credential, params (string Key, string? Value)[] settings) =>
        App(credential, time: null, configure: null, encryption: TdsEncryption.Off, settings: settings);

    /// <param name="credential">
    /// The app's credential. Null: the one <c>Sql__Credential</c> names, as in production (with
    /// <see cref="StartManagedIdentityAsync"/>, <c>ManagedIdentity</c> is the default here, as in Azure).
    /// </param>
    public AppUnderTest App(
        TokenCredential? credential,
        TimeProvider? time = null,
        Action<IServiceCollection>? configure = null,
        TdsEncryption encryption = TdsEncryption.Off,
        params (string Key, string? Value)[] settings)
    {
        (string, string?)[] defaults =
        [
            ("Sql__ConnectionString", ConnectionString(encryption)),
            ("Sql__AllowInsecureTransport", "true"),
            ("Sql__OpenRetryDelay", "00:00:00.020"),
        ];
        if (Identity is not null)
        {
            defaults = [.. defaults, ("Sql__Credential", "ManagedIdentity")];
            if (!Identity.SystemAssigned.Equals(Principal))
            {
                defaults = [.. defaults, ("Sql__ManagedIdentityClientId", Principal.AppId)];
            }
        }

        var app = AppUnderTest.Start([.. defaults, .. settings], credential, time, configure, SignIn);
        _apps.Add(app);
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.DisposeAsync();
        }

        SqlConnection.ClearAllPools();
        _identityEnvironment?.Dispose();
        if (Identity is not null)
        {
            await Identity.DisposeAsync();
            MsalSharedState.Reset();
        }

        await Server.DisposeAsync();
        if (Ingestion is not null)
        {
            await Ingestion.DisposeAsync();
        }

        Issuer.Dispose();
    }
}
