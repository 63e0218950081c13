using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// The app as Azure runs it, minus Azure: the shipped worker process (<see cref="ShippedWorker.Path"/>) started and
/// driven by the host peer, with the app settings infra/ deploys — a TLS connection string whose certificate is
/// validated (no <c>Sql__AllowInsecureTransport</c>), <c>Connection Timeout=30</c>, a <c>Max Pool Size</c>, the
/// user-assigned managed identity by client id — and every other setting at its default (open retries, back-off and
/// budget, health timeout). Azure SQL is the TDS peer, the identity is the managed-identity endpoint peer.
/// </summary>
/// <remarks>
/// Two deliberate departures, as in every test here: <c>ConnectRetryCount=0</c> (SqlClient's own login retry sleeps
/// 10 s per attempt; the app's retry provider is what is under test) and <c>Pool Blocking Period=NeverBlock</c>
/// (what SqlClient's Auto already is for Azure SQL host names, but not for 127.0.0.1). No
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c>: there is nowhere to export to.
/// </remarks>
internal sealed class ShippedApp : IAsyncDisposable
{
    public const string PurgeSchedule = "0 0 3 * * *";

    /// <summary>The setting for a test that needs the worker's pool and token cache cold at its first invocation.</summary>
    public static readonly (string Key, string? Value) LoginAtStartupOff = ("Sql__LoginAtStartup", "false");

    private ShippedApp(AppPeers peers, ManagedIdentityEndpoint identity, FunctionsHostPeer host)
    {
        Peers = peers;
        Identity = identity;
        Host = host;
    }

    /// <summary>The TDS peer, its token issuer and the app's identity (a contained user of the database).</summary>
    public AppPeers Peers { get; }

    public TdsServer Sql => Peers.Server;

    public ManagedIdentityEndpoint Identity { get; }

    public FunctionsHostPeer Host { get; }

    /// <summary>
    /// Starts the peers and the worker; <paramref name="settings"/> override the production-like ones (a null value
    /// removes a setting). <paramref name="prepare"/> runs before the worker starts (register handlers, arm faults).
    /// <paramref name="signIn"/>: the token issuer the worker trusts (default: the shared one; a fixture that counts
    /// the issuer's metadata requests brings its own). <paramref name="settled"/> false returns as soon as the worker has
    /// started, its start-up login perhaps still running (for tests of what meets it). <paramref name="sampledTraces"/>:
    /// the host peer's trace parents say "sampled", as from a host that records its spans.
    /// </summary>
    public static async Task<ShippedApp> StartAsync(int maxPoolSize = 100, Action<AppPeers, ManagedIdentityEndpoint>? prepare = null, ApiSignIn? signIn = null, bool settled = true, bool sampledTraces = false, params (string Key, string? Value)[] settings)
    {
        var workerPath = ShippedWorker.Path;
        var peers = AppPeers.Start();
        ManagedIdentityEndpoint? identity = null;
        ShippedApp app;
        try
        {
            // As infra/ deploys it: a user-assigned identity, named by its client id; the platform's system-assigned
            // identity exists too and must not be the one used.
            identity = await ManagedIdentityEndpoint.StartAsync(peers.Issuer, TestPrincipal.Create("system-identity"));
            identity.AddUserAssigned(peers.Principal);
            prepare?.Invoke(peers, identity);

            // Signed in as the sign-in's users: its issuer peer's tenant and the API's audience (Auth__ settings).
            var options = new FunctionsHostOptions { WorkerPath = workerPath, SampledTraces = sampledTraces };
            foreach (var (key, value) in (signIn ?? ApiSignIn.Shared).Settings.Concat(PlatformEnvironment).Concat(ProductionSettings(peers, maxPoolSize)).Concat(settings))
            {
                options.AppSettings[key] = value;
            }

            // App Service gives the worker IDENTITY_ENDPOINT / IDENTITY_HEADER in its environment; the worker
            // inherits them from this process at start, and only then.
            FunctionsHostPeer host;
            using (identity.ApplyToEnvironment())
            {
                host = await FunctionsHostPeer.StartAsync(options);
            }

            app = new ShippedApp(peers, identity, host);
        }
        catch
        {
            if (identity is not null)
            {
                await identity.DisposeAsync();
            }

            await peers.DisposeAsync();
            throw;
        }

        // Every test begins with the worker settled: the start-up session pooled, or its failure (or absence) said.
        if (!settled)
        {
            return app;
        }

        try
        {
            await ShippedWorker.StartupLoginReportedAsync(app.Host);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return app;
    }

    /// <summary>
    /// What the platform sets besides the app settings and the identity variables: Functions on Linux runs the worker
    /// in a container built on the .NET runtime images, which set DOTNET_RUNNING_IN_CONTAINER (ASP.NET Core's data
    /// protection then warns about any key directory it would use).
    /// </summary>
    public static readonly IReadOnlyList<(string Key, string? Value)> PlatformEnvironment = [("DOTNET_RUNNING_IN_CONTAINER", "true")];

    /// <summary>infra/modules/functionapp.bicep's app settings, pointed at the peers.</summary>
    public static IEnumerable<(string Key, string? Value)> ProductionSettings(AppPeers peers, int maxPoolSize)
    {
        ArgumentNullException.ThrowIfNull(peers);
        return
        [
            ("Sql__ConnectionString", peers.ConnectionString(TdsEncryption.Mandatory, $"Connection Timeout=30;Max Pool Size={maxPoolSize};")),
            ("Sql__Credential", "ManagedIdentity"),
            ("Sql__ManagedIdentityClientId", peers.Principal.AppId),
            ("Maintenance__PurgeSchedule", PurgeSchedule),
            ("Maintenance__RetentionDays", "30"),
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", null),
            ("Sql__AllowInsecureTransport", null),
        ];
    }

    /// <summary>Every line the worker produced: each RpcLog's full text, then stdout, then stderr.</summary>
    public IReadOnlyList<string> AllOutput() =>
        [.. Host.Logs.Select(log => $"{log.Level} {log.Category}: {log.FullText}"), .. Host.StandardOutput, .. Host.StandardError];

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Identity.DisposeAsync();
        await Peers.DisposeAsync();
    }
}
