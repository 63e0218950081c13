using System.Diagnostics;
using AzureSqlFunctions.Benchmarks.Support;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 5: the invocations that log in while the token rotates, against the ones that log in while it does not.
/// One fake clock is the issuer's (so the peer judges expiry by it) and the app's (its token source); the credential
/// mints from the issuer and counts requests (MSAL judges expiry by the real clock, so the managed-identity credential
/// cannot take part). Tokens live 3.5 minutes: the source refreshes them ahead, 1.75 minutes before expiry, and stops
/// serving them 1.5 minutes before (the 30 s connect timeout plus its margin). Pairs of segments, order alternating:
/// each segment clears the pool (pool churn, as idle pruning or scale-out causes) so its first invocation is a new
/// physical login — SqlClient asks the callback for a token only then — followed by pooled invocations. Before a
/// rotating segment the clock moves 1 min 52.5 s, into the refresh-ahead window: that login is served the still-valid
/// token while one refresh runs in the background, the path steady traffic takes at every rotation. The peer mints
/// tokens on this machine's CPU (Entra does that elsewhere), so each steady segment has one token minted in the
/// background at the same point, discarded: both sides bear the peer's cost. Verdict: the median over pairs of
/// (rotating login ÷ steady login) at most 1.2; no failed invocation; credential requests and tokens the peer saw
/// both = rotations + 1; one pool (SqlClient's counter).
/// </summary>
internal static class RotationTarget
{
    public const int Number = 5;
    private const double RatioLimit = 1.2;
    private const int PooledPerSegment = 20;
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromMinutes(3.5);
    private static readonly TimeSpan RotationStep = TimeSpan.FromSeconds(112.5);

    public static async Task<TargetResult> RunAsync(RunMode mode, SqlClientPoolCounters counters)
    {
        // SqlClient compares the token's expiry with the real clock: at most about 20 steps before the fake clock's
        // tokens look more than 45 minutes away and SqlClient stops asking the callback.
        var rotations = mode.Quick ? 12 : 20;
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        IssuerCredential? credential = null;
        var poolsBefore = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        await using var bench = await ShippedBench.StartAsync(
            tokenLifetime: TokenLifetime,
            credential: peers => credential = new IssuerCredential(peers.Issuer, peers.Principal),
            time: time);
        var pipeline = bench.UnitOfWork(ShippedBench.SelectOneFunction);
        var failures = 0;

        async Task<double> InvokeAsync()
        {
            using var cancellation = new CancellationTokenSource();
            var started = Stopwatch.GetTimestamp();
            try
            {
                await pipeline(bench.Context(cancellation.Token));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures++;
            }

            return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        async Task<double> SegmentAsync(bool rotate)
        {
            bench.ClearPool();
            var requestsBefore = credential!.Requests;
            if (rotate)
            {
                time.Advance(RotationStep);
            }
            else
            {
                _ = Task.Run(() => bench.Peers.Issuer.Issue(bench.Peers.Principal));
            }

            var login = await InvokeAsync();
            for (var i = 0; i < PooledPerSegment; i++)
            {
                await InvokeAsync();
            }

            if (rotate)
            {
                // The background refresh has ended before the next segment, so each rotation is one request.
                var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 10;
                while (credential.Requests == requestsBefore && Stopwatch.GetTimestamp() < deadline)
                {
                    await Task.Delay(1);
                }
            }

            return login;
        }

        for (var i = 0; i < 200; i++)
        {
            await InvokeAsync();
        }

        for (var i = 0; i < 5; i++)
        {
            await SegmentAsync(rotate: false);
        }

        var ratios = new List<double>();
        var rotating = new List<double>();
        var steady = new List<double>();
        for (var pair = 0; pair < rotations; pair++)
        {
            double rotatingLogin, steadyLogin;
            if (pair % 2 == 0)
            {
                steadyLogin = await SegmentAsync(rotate: false);
                rotatingLogin = await SegmentAsync(rotate: true);
            }
            else
            {
                rotatingLogin = await SegmentAsync(rotate: true);
                steadyLogin = await SegmentAsync(rotate: false);
            }

            rotating.Add(rotatingLogin);
            steady.Add(steadyLogin);
            ratios.Add(rotatingLogin / steadyLogin);
        }

        await SegmentAsync(rotate: false); // the last rotation's token reaches the peer
        var poolsAfter = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        var tokensSeen = bench.Peers.Server.Counters.TokensSeenBy(bench.Peers.Principal.ObjectId).Count;
        var newPools = poolsAfter - poolsBefore;
        var ratio = Percentiles.Median(ratios);
        var pools = newPools is null ? "pools n/a (SqlClient published no counters)" : $"new pools {newPools} (SqlClient counter)";
        return new TargetResult(
            Number,
            $"logins during {rotations} token rotations vs steady logins",
            $"login median ratio {ratio:F2} (pairs' interquartile range {Percentiles.Of(ratios, 25):F2}–{Percentiles.Of(ratios, 75):F2}; rotating {Percentiles.Median(rotating):F2} ms, steady {Percentiles.Median(steady):F2} ms); "
            + $"failures {failures}, token requests {credential!.Requests}, tokens at the peer {tokensSeen} (each = {rotations + 1}), logins {bench.Peers.Server.Counters.PhysicalLogins}, {pools} "
            + $"(limits: ≤ {RatioLimit:F1}, 0 failures, 1 pool)",
            ratio <= RatioLimit && failures == 0 && credential.Requests == rotations + 1 && tokensSeen == rotations + 1 && newPools is null or 1);
    }
}
