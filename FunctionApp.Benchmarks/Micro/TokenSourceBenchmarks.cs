using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Detail of target 3: the app's token source (production container: its credential and metrics) answering from its
/// cache, against the credential as users call it — the same <c>ManagedIdentityCredential</c> answering from MSAL's
/// cache — and <c>AzureCliCredential</c>, which has no cache and runs <c>az</c> (the stand-in) on every call.
/// </summary>
[MemoryDiagnoser]
public class TokenSourceBenchmarks
{
    private static readonly string Scope = AccessTokenSource.ScopeFor(TokenIssuer.SqlAudience);
    private static readonly TokenRequestContext Request = new([Scope]);

    private ShippedBench _bench = null!;
    private AzCliStandIn _az = null!;
    private IDisposable _path = null!;
    private TokenCredential _managedIdentity = null!;
    private AzureCliCredential _azureCli = null!;
    private AccessTokenSource _source = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bench = ShippedBench.StartAsync().GetAwaiter().GetResult();
        _managedIdentity = _bench.App.Services.GetRequiredService<TokenCredential>();
        _source = _bench.App.Services.GetRequiredService<AccessTokenSource>();
        _az = AzCliStandIn.StartAsync(_bench.Peers.Issuer, TestPrincipal.Create("developer")).GetAwaiter().GetResult();
        _path = _az.PutFirstOnPath(); // AzureCliCredential reads PATH when it is built
        _azureCli = new AzureCliCredential();
        _source.GetTokenAsync(Scope, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        _managedIdentity.GetTokenAsync(Request, CancellationToken.None).AsTask().GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _path.Dispose();
        _az.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public ValueTask<AccessToken> ManagedIdentityCredential_MSAL_cache_hit() => _managedIdentity.GetTokenAsync(Request, CancellationToken.None);

    [Benchmark]
    public ValueTask<AccessToken> AccessTokenSource_cached() => _source.GetTokenAsync(Scope, CancellationToken.None);

    [Benchmark]
    public ValueTask<AccessToken> AzureCliCredential_process_per_call() => _azureCli.GetTokenAsync(Request, CancellationToken.None);
}
