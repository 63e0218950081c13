using AzureSqlFunctions.Benchmarks.Support;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 10: invocations per second with 1, 8, 32 and 128 concurrent callers, each invocation the unit of work +
/// pooled <c>SELECT 1</c> (as target 1, a fresh context and token each), against the same callers on a raw pooled
/// connection with a fixed token. Both pools have SqlClient's default size (100), so at 128 callers both wait for
/// connections. Interleaved as target 1: per level, short blocks alternate the two sides — in each block the callers
/// start together and each makes a fixed number of invocations — and the verdict reads the median over rounds of
/// (raw block time ÷ app block time), the app's throughput relative to raw: at least 0.97 at every level (within 3 %).
/// </summary>
/// <remarks>
/// Blocks of ~10 ms, many rounds: a block of 250 ms and the next one differed by ±10 % on two shared cores, so 21 such
/// rounds put the median anywhere within ±5 % between runs. Short neighbouring blocks see the same machine.
/// </remarks>
internal static class ThroughputTarget
{
    public const int Number = 10;
    private const double RatioLimit = 0.97;

    // Callers, invocations each makes per block (~200 a block), and quick-mode rounds (full mode: three times as many).
    // The 1- and 128-caller rounds spread ±10 %, twice as wide as 8 and 32 callers', so they take more rounds.
    private static readonly (int Callers, int PerCaller, int Rounds)[] Levels = [(1, 100, 1201), (8, 24, 401), (32, 8, 401), (128, 2, 801)];

    public static async Task<TargetResult> RunAsync(RunMode mode)
    {
        await using var bench = await ShippedBench.StartAsync();
        var ours = bench.UnitOfWork(ShippedBench.SelectOneFunction);
        var raw = bench.PlainSelectOneFunction(bench.FixedToken());

        async Task InvokeAsync(FunctionExecutionDelegate invocation)
        {
            using var cancellation = new CancellationTokenSource();
            await invocation(bench.Context(cancellation.Token));
        }

        var parts = new List<string>();
        var pass = true;
        foreach (var (callers, perCaller, quickRounds) in Levels)
        {
            // Each level warms up at its own concurrency, from the lowest up (the comparison's warm-up alternates the
            // sides for at least 3 s): both pools grow to the callers they serve, and a smaller level does not run on
            // the many threads that the thread pool adds while 128 callers wait for the pool of 100.
            async ValueTask BlockAsync(FunctionExecutionDelegate invocation)
            {
                var loops = new Task[callers];
                for (var i = 0; i < callers; i++)
                {
                    loops[i] = Task.Run(async () =>
                    {
                        for (var n = 0; n < perCaller; n++)
                        {
                            await InvokeAsync(invocation);
                        }
                    });
                }

                await Task.WhenAll(loops);
            }

            var rounds = mode.Quick ? quickRounds : 3 * quickRounds;
            var comparison = await Interleaved.CompareAsync(
                () => BlockAsync(raw),
                () => BlockAsync(ours),
                rounds,
                operationsPerBlock: 1,
                threadBytesOnly: false,
                warmUpOperations: 50);
            bench.Peers.Server.ResetCounters();

            // Time ratios (app ÷ raw) turned into throughput ratios (app ÷ raw): the median of the inverses is the
            // inverse of the median.
            var ratios = comparison.Ratios;
            var ratio = 1 / comparison.MedianRatio;
            pass &= ratio >= RatioLimit;
            var invocations = (double)callers * perCaller;
            parts.Add($"{callers}: {ratio:F3} ({rounds} rounds, interquartile range {1 / Percentiles.Of(ratios, 75):F3}–{1 / Percentiles.Of(ratios, 25):F3}; "
                + $"{invocations / comparison.CandidateMedianNs * 1e9:F0} vs {invocations / comparison.BaselineMedianNs * 1e9:F0}/s)");
        }

        return new TargetResult(
            Number,
            "throughput vs a raw pooled connection, rounds of ~200 invocations per side",
            $"app ÷ raw by concurrent callers {string.Join("; ", parts)} (limit: ≥ {RatioLimit:F2} at each)",
            pass);
    }
}
