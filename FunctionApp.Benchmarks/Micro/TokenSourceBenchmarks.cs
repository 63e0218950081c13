using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Identity.Client;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Target 3: the token source's cached hot path against calling the same Azure.Identity credential directly.
/// "Directly" is measured the ways it really costs: <see cref="ManagedIdentityCredential"/> going to the App Service
/// identity endpoint on every call (MSAL's process-wide cache reset before each call — the reset is inside the
/// measured time, a few microseconds against a loopback HTTP round trip), <see cref="AzureCliCredential"/> (no cache:
/// a process per call), and, for context, the managed-identity credential answered from MSAL's cache.
/// </summary>
[MemoryDiagnoser]
public class TokenSourceBenchmarks
{
    private const string Scope = "https://database.windows.net/.default";
    private static readonly TokenRequestContext Request = new([Scope]);

    private TokenIssuer _issuer = null!;
    private ManagedIdentityEndpoint _endpoint = null!;
    private AzCliStandIn _az = null!;
    private IDisposable _environment = null!;
    private IDisposable _path = null!;
    private ManagedIdentityCredential _managedIdentity = null!;
    private AzureCliCredential _azureCli = null!;
    private AccessTokenSource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        _issuer = new TokenIssuer();
        var identity = TestPrincipal.Create("bench-identity");
        _endpoint = ManagedIdentityEndpoint.StartAsync(_issuer, identity).GetAwaiter().GetResult();
        _environment = _endpoint.ApplyToEnvironment();
        _az = AzCliStandIn.StartAsync(_issuer, TestPrincipal.Create("developer")).GetAwaiter().GetResult();
        _path = _az.PutFirstOnPath(); // AzureCliCredential reads PATH when it is built

        // The app's own options for managed identity; the CLI credential as the app builds it.
        _managedIdentity = new ManagedIdentityCredential(TokenCredentialFactory.ManagedIdentityOptions(null));
        _azureCli = new AzureCliCredential();
        _source = new AccessTokenSource(_managedIdentity, TimeProvider.System, NullLogger<AccessTokenSource>.Instance, new SqlMetrics());

        ApplicationBase.ResetStateForTest();
        var first = _source.GetTokenAsync(Scope, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (string.IsNullOrEmpty(first.Token) || _endpoint.RequestCount != 1)
        {
            throw new InvalidOperationException($"The token source did not get its token from the endpoint ({_endpoint.RequestCount} requests).");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _path.Dispose();
        _environment.Dispose();
        _az.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _endpoint.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _issuer.Dispose();
    }

    [Benchmark(Baseline = true)]
    public ValueTask<AccessToken> ManagedIdentityCredential_to_endpoint()
    {
        ApplicationBase.ResetStateForTest();
        return _managedIdentity.GetTokenAsync(Request, CancellationToken.None);
    }

    [Benchmark]
    public ValueTask<AccessToken> AzureCliCredential_process_per_call() => _azureCli.GetTokenAsync(Request, CancellationToken.None);

    [Benchmark]
    public ValueTask<AccessToken> ManagedIdentityCredential_MSAL_cache_hit() => _managedIdentity.GetTokenAsync(Request, CancellationToken.None);

    [Benchmark]
    public ValueTask<AccessToken> AccessTokenSource_cached() => _source.GetTokenAsync(Scope, CancellationToken.None);
}
