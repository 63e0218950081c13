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
/// measures the bearer check itself).
/// </summary>
internal static class SelectOneTarget
{
    public const int Number = 1;
    private const double RatioLimit = 1.02;
    private const double BytesLimit = 256;
    private const int OperationsPerBlock = 1000; // ~80 ms blocks: a collection or an export burst is a small part of one

    public static async Task<(TargetResult Result, string Detail)> RunAsync(RunMode mode)
    {
        await using var bench = await ShippedBench.StartAsync();
        var plain = bench.PlainSelectOneFunction(bench.FixedToken());
        var unitOfWork = bench.UnitOfWork(ShippedBench.SelectOneFunction);
        var chain = bench.Pipeline(ShippedBench.SelectOneFunction);

        // Each invocation gets its own context and cancellation, as from the worker, on every side.
        async ValueTask InvokeAsync(FunctionExecutionDelegate invocation)
        {
            using var cancellation = new CancellationTokenSource();
            await invocation(bench.Context(cancellation.Token));
        }

        var comparisons = await Interleaved.CompareAsync(
            () => InvokeAsync(plain),
            [() => InvokeAsync(unitOfWork), () => InvokeAsync(chain)],
            mode.Rounds,
            OperationsPerBlock,
            threadBytesOnly: false,
            warmUpOperations: 1000);
        bench.Peers.Server.ResetCounters();

        var ours = comparisons[0];
        var whole = comparisons[1];
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
        return (result, detail);
    }
}
