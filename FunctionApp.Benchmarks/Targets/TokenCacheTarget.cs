using System.Diagnostics;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 3: the app's token cache against the credential as users call it — one <c>ManagedIdentityCredential</c> kept
/// and asked each time, its own (MSAL's) cache on — and what the app's cache buys beyond that, each measured:
/// <list type="bullet">
/// <item>speed: the source's hot path (the app's container: its credential and metrics, telemetry on) against the
/// same credential answering from MSAL's cache, interleaved; at least ×10 faster and 0 bytes per call;</item>
/// <item>the <c>az</c> path: <c>AzureCliCredential</c> has no cache, so every call runs <c>az</c> (the stand-in);</item>
/// <item>an identity endpoint that fails while the cached token is still usable: with a token the endpoint hands out
/// within 5 minutes of its expiry (MSAL then treats it as expired) every direct call goes to the endpoint and fails,
/// the source serves the token it holds: 0 failures;</item>
/// <item>no storm near expiry: 64 concurrent asks for such a token make one request through the source, one per
/// caller through the credential (MSAL serialises them, and each finds the new token already "expired").</item>
/// </list>
/// </summary>
internal static class TokenCacheTarget
{
    public const int Number = 3;
    private const double SpeedupLimit = 10;
    private const int Concurrent = 64;
    private const int FailingCalls = 20;
    private static readonly TimeSpan NearExpiryLifetime = TimeSpan.FromMinutes(4);

    public static async Task<(TargetResult Result, IReadOnlyList<string> Details)> RunAsync(RunMode mode)
    {
        // The app's own source, credential and metrics (production container, telemetry on).
        await using var bench = await ShippedBench.StartAsync();
        var source = bench.App.Services.GetRequiredService<AccessTokenSource>();
        var credential = bench.App.Services.GetRequiredService<TokenCredential>();
        var scope = AccessTokenSource.ScopeFor(TokenIssuer.SqlAudience);
        var request = new TokenRequestContext([scope]);
        await source.GetTokenAsync(scope, CancellationToken.None);
        await credential.GetTokenAsync(request, CancellationToken.None);

        var comparison = await Interleaved.CompareAsync(
            async () => await credential.GetTokenAsync(request, CancellationToken.None),
            async () => await source.GetTokenAsync(scope, CancellationToken.None),
            mode.Rounds,
            operationsPerBlock: 2000,
            threadBytesOnly: false,
            warmUpOperations: 2000);
        var speedup = 1 / comparison.MedianRatio;
        var sourceBytes = SynchronousBytes(() => source.GetTokenAsync(scope, CancellationToken.None));

        var cliMs = await AzureCliMillisecondsAsync(bench.Peers.Issuer, mode);
        var (directFailures, sourceFailures) = await FailingEndpointAsync();
        var (directRequests, sourceRequests) = await NearExpiryBurstAsync();

        var result = new TargetResult(
            Number,
            "cached token vs the credential as users call it (its own cache on)",
            $"×{speedup:F0} faster ({comparison.CandidateMedianNs:F0} ns vs {comparison.BaselineMedianNs / 1000:F1} µs from MSAL's cache; {comparison.RatioSpread}), {sourceBytes:F0} B/call; "
            + $"endpoint failing: {sourceFailures}/{FailingCalls} failed through the source, {directFailures}/{FailingCalls} direct; "
            + $"{Concurrent} concurrent asks near expiry: {sourceRequests} request through the source, {directRequests} direct "
            + $"(limits: ≥ ×{SpeedupLimit:F0}, 0 B, 0 failed, 1 request)",
            speedup >= SpeedupLimit && sourceBytes == 0 && sourceFailures == 0 && sourceRequests == 1);
        string[] details =
        [
            $"  the az path: AzureCliCredential runs az for every call, median {cliMs:F1} ms; the source answers from its cache (×{cliMs * 1e6 / comparison.CandidateMedianNs:F0})",
        ];
        return (result, details);
    }

    /// <summary>Bytes the measuring thread allocates per call of an operation that must complete synchronously.</summary>
    private static double SynchronousBytes(Func<ValueTask<AccessToken>> call)
    {
        const int count = 10_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            var pending = call();
            if (!pending.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("The cached token was not served synchronously.");
            }
        }

        return (GC.GetAllocatedBytesForCurrentThread() - before) / (double)count;
    }

    private static async Task<double> AzureCliMillisecondsAsync(TokenIssuer issuer, RunMode mode)
    {
        await using var az = await AzCliStandIn.StartAsync(issuer, TestPrincipal.Create("token-developer"));
        using var path = az.PutFirstOnPath(); // AzureCliCredential reads PATH when it is built
        var cli = new AzureCliCredential();
        var request = new TokenRequestContext([AccessTokenSource.ScopeFor(TokenIssuer.SqlAudience)]);
        var samples = new List<double>();
        for (var i = 0; i < mode.Scale(25); i++)
        {
            var started = Stopwatch.GetTimestamp();
            await cli.GetTokenAsync(request, CancellationToken.None);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        return Percentiles.Median(samples);
    }

    /// <summary>Both hold a token with 4 minutes left; then the endpoint answers 400 to everything.</summary>
    private static async Task<(int Direct, int Source)> FailingEndpointAsync()
    {
        await using var near = await NearExpiryIdentity.StartAsync();
        await near.Source.GetTokenAsync(near.Scope, CancellationToken.None);
        await near.Credential.GetTokenAsync(near.Request, CancellationToken.None);
        near.Endpoint.Faults.FailAlwaysStatus = 400;
        near.Endpoint.Faults.FailAlways = true;
        var direct = 0;
        var viaSource = 0;
        for (var i = 0; i < FailingCalls; i++)
        {
            try
            {
                await near.Credential.GetTokenAsync(near.Request, CancellationToken.None);
            }
            catch (AuthenticationFailedException)
            {
                direct++;
            }

            try
            {
                await near.Source.GetTokenAsync(near.Scope, CancellationToken.None);
            }
            catch (AccessTokenUnavailableException)
            {
                viaSource++;
            }
        }

        return (direct, viaSource);
    }

    /// <summary>64 concurrent first asks, once through the source and once straight to the credential (MSAL reset between).</summary>
    private static async Task<(int Direct, int Source)> NearExpiryBurstAsync()
    {
        await using var near = await NearExpiryIdentity.StartAsync();
        var asks = AllAtOnce.Start(Concurrent, () => near.Source.GetTokenAsync(near.Scope, CancellationToken.None).AsTask());
        await Task.WhenAll(asks);
        var viaSource = near.Endpoint.RequestCount;

        MsalSharedState.Reset();
        var before = near.Endpoint.RequestCount;
        var direct = AllAtOnce.Start(Concurrent, () => near.Credential.GetTokenAsync(near.Request, CancellationToken.None).AsTask());
        await Task.WhenAll(direct);
        return (near.Endpoint.RequestCount - before, viaSource);
    }

    /// <summary>
    /// An identity endpoint that hands out tokens with 4 minutes left, a fresh MSAL cache, the app's managed-identity
    /// credential options and a source built as the app builds it (production connection string's Connect Timeout).
    /// </summary>
    private sealed class NearExpiryIdentity : IAsyncDisposable
    {
        private readonly TokenIssuer _issuer;
        private readonly IDisposable _environment;

        private NearExpiryIdentity(TokenIssuer issuer, ManagedIdentityEndpoint endpoint, IDisposable environment)
        {
            _issuer = issuer;
            _environment = environment;
            Endpoint = endpoint;
            Credential = new ManagedIdentityCredential(TokenCredentialFactory.ManagedIdentityOptions(null));
            Source = new AccessTokenSource(Credential, TimeProvider.System, NullLogger<AccessTokenSource>.Instance, new SqlMetrics(),
                Options.Create(new SqlOptions { ConnectionString = "Server=tcp:example.database.windows.net,1433;Database=db;Encrypt=True;Connection Timeout=30" }));
        }

        public ManagedIdentityEndpoint Endpoint { get; }

        public ManagedIdentityCredential Credential { get; }

        public AccessTokenSource Source { get; }

        public string Scope { get; } = AccessTokenSource.ScopeFor(TokenIssuer.SqlAudience);

        public TokenRequestContext Request => new([Scope]);

        public static async Task<NearExpiryIdentity> StartAsync()
        {
            MsalSharedState.Reset();
            var issuer = new TokenIssuer { TokenLifetime = NearExpiryLifetime };
            var endpoint = await ManagedIdentityEndpoint.StartAsync(issuer, TestPrincipal.Create("near-expiry-identity"));
            return new NearExpiryIdentity(issuer, endpoint, endpoint.ApplyToEnvironment());
        }

        public async ValueTask DisposeAsync()
        {
            _environment.Dispose();
            await Endpoint.DisposeAsync();
            _issuer.Dispose();
            MsalSharedState.Reset();
        }
    }
}
