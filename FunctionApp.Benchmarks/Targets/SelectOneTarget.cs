using AzureSqlFunctions.Benchmarks.Support;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 1: an invocation whose function asks for its connection — the lazy open through the app's factory: the
/// token callback, the retry provider, the open budget — and runs <c>SELECT 1</c>, through the unit of work as the
/// worker chains it (its <c>UseKeptMiddleware</c> step, with the per-function decision), against the same function written
/// with a plain pooled <c>SqlConnection</c> carrying a fixed token in <c>AccessToken</c> (one pool, no token work: the
/// closest a token-demanding server allows to "a plain pooled connection"). Production settings on both sides:
/// <c>Encrypt=True</c> against the peer's certificate, the same connection string, a fresh context and cancellable token
/// per invocation, and the app's telemetry alive in the process (SqlClient's command spans are process-wide, so both
/// sides are traced and exported). Limits: time ≤ 1.02 × and at most 256 bytes more per invocation (counted
/// process-wide; the in-process peer's share is the same on both sides). Also shown, not judged: the same through the
/// app's whole middleware (exposed headers and the token gate, which lets the anonymous function through; target 8
/// measures the bearer check itself), and the plain function on the app's own pool (its static callback instead of a
/// fixed token: the pool key then carries no token), which is cheaper per pooled open than the <c>AccessToken</c> pool.
/// Blocks are short and rounds many: the rounds' ratios spread ±10 % on two shared cores, so a 2 % limit needs the
/// median of hundreds of rounds (21 rounds of long blocks flipped between runs).
/// </summary>
internal static class SelectOneTarget
{
    public const int Number = 1;
    private const double RatioLimit = 1.02;
    private const double BytesLimit = 256;
    private const int OperationsPerBlock = 100; // ~8 ms blocks: a collection or an export burst lands in few, which the median drops

    public static async Task<(TargetResult Result, IReadOnlyList<string> Details)> RunAsync(RunMode mode)
    {
        await using var bench = await ShippedBench.StartAsync();
        var plain = bench.PlainSelectOneFunction(bench.FixedToken());
        var unitOfWork = bench.UnitOfWork(ShippedBench.SelectOneFunction);
        var chain = bench.Pipeline(ShippedBench.SelectOneFunction);
        var plainOnAppPool = bench.PlainSelectOneOnAppPoolFunction();

        // Each invocation gets its own context and cancellation, as from the worker, on every side.
        async ValueTask InvokeAsync(FunctionExecutionDelegate invocation)
        {
            using var cancellation = new CancellationTokenSource();
            await invocation(bench.Context(cancellation.Token));
        }

        var comparisons = await Interleaved.CompareAsync(
            () => InvokeAsync(plain),
            [() => InvokeAsync(unitOfWork), () => InvokeAsync(chain), () => InvokeAsync(plainOnAppPool)],
            mode.Quick ? 401 : 1201,
            OperationsPerBlock,
            threadBytesOnly: false,
            warmUpOperations: 1000);
        bench.Peers.Server.ResetCounters();

        var ours = comparisons[0];
        var whole = comparisons[1];
        var onAppPool = comparisons[2];
        var oursOverAppPool = new Interleaved.Comparison(onAppPool.Candidate, ours.Candidate);
        var ratio = ours.MedianRatio;
        var addedBytes = ours.MedianByteDifference;
        var result = new TargetResult(
            Number,
            "unit of work + pooled SELECT 1 vs plain pooled connection",
            $"ratio {ratio:F3} ({ours.RatioSpread}; {ours.CandidateMedianNs / 1000:F1} µs vs {ours.BaselineMedianNs / 1000:F1} µs), "
            + $"{addedBytes:+0;-0} B/invocation ({ours.CandidateMedianBytes:F0} vs {ours.BaselineMedianBytes:F0}) (limits: ≤ {RatioLimit:F2} ×, ≤ +{BytesLimit:F0} B)",
            ratio <= RatioLimit && addedBytes <= BytesLimit);
        var detail = $"  the app's whole middleware (exposed headers, token gate passing the anonymous function, unit of work): ratio {whole.MedianRatio:F3} ({whole.RatioSpread}), "
            + $"{whole.MedianByteDifference:+0;-0} B/invocation";
        var poolDetail = $"  the plain function on the app's pool (static callback, no token in the pool key) vs the AccessToken pool: ratio {onAppPool.MedianRatio:F3} ({onAppPool.RatioSpread}), "
            + $"{onAppPool.MedianByteDifference:+0;-0} B/invocation; the unit of work vs that plain function on the same pool: ratio {oursOverAppPool.MedianRatio:F3} ({oursOverAppPool.RatioSpread}), {oursOverAppPool.MedianByteDifference:+0;-0} B/invocation";
        return (result, [detail, poolDetail]);
    }
}
