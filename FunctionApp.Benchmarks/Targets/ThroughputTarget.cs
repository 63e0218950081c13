using System.Diagnostics;
using AzureSqlFunctions.Benchmarks.Support;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 10: invocations per second with 1, 8, 32 and 128 concurrent callers, each invocation the unit of work +
/// pooled <c>SELECT 1</c> (as target 1, a fresh context and token each), against the same callers on a raw pooled
/// connection with a fixed token. Both pools have SqlClient's default size (100), so at 128 callers both wait for
/// connections. Interleaved: per level, rounds of a fixed duration alternate the two sides, and the verdict reads the
/// median over rounds of (app ÷ raw) — at least 0.97 at every level (within 3 %).
/// </summary>
internal static class ThroughputTarget
{
    public const int Number = 10;
    private const double RatioLimit = 0.97;
    private static readonly int[] Levels = [1, 8, 32, 128];
    private static readonly TimeSpan LevelWarmUp = TimeSpan.FromSeconds(1.5); // per side

    public static async Task<TargetResult> RunAsync(RunMode mode)
    {
        var rounds = mode.Quick ? 21 : 41;
        var window = TimeSpan.FromMilliseconds(mode.Quick ? 250 : 500);
        await using var bench = await ShippedBench.StartAsync();
        var ours = bench.UnitOfWork(ShippedBench.SelectOneFunction);
        var raw = bench.PlainSelectOneFunction(bench.FixedToken());

        async Task InvokeAsync(FunctionExecutionDelegate invocation)
        {
            using var cancellation = new CancellationTokenSource();
            await invocation(bench.Context(cancellation.Token));
        }

        // Compile every path before measuring (tiering needs a few quiet seconds of calls).
        await RateAsync(() => InvokeAsync(raw), 8, Interleaved.MinimumWarmUp);
        await RateAsync(() => InvokeAsync(ours), 8, Interleaved.MinimumWarmUp);

        var parts = new List<string>();
        var pass = true;
        foreach (var callers in Levels)
        {
            // Each level is warmed at its own concurrency, from the lowest up: both pools grow to the callers they
            // serve, and a smaller level does not run on the many threads that the thread pool adds while 128 callers
            // wait for the pool of 100 (which made the 1-caller rate swing between runs, 3 700–12 000/s). Then a while at
            // the level itself: without it, the 1-caller rates of the first 3 s ramped from 3 300 to 15 000/s.
            await RateAsync(() => InvokeAsync(raw), callers, LevelWarmUp);
            await RateAsync(() => InvokeAsync(ours), callers, LevelWarmUp);
            var ratios = new List<double>(rounds);
            var oursRates = new List<double>(rounds);
            var rawRates = new List<double>(rounds);
            for (var round = 0; round < rounds; round++)
            {
                double rawRate, oursRate;
                if (round % 2 == 0)
                {
                    rawRate = await RateAsync(() => InvokeAsync(raw), callers, window);
                    oursRate = await RateAsync(() => InvokeAsync(ours), callers, window);
                }
                else
                {
                    oursRate = await RateAsync(() => InvokeAsync(ours), callers, window);
                    rawRate = await RateAsync(() => InvokeAsync(raw), callers, window);
                }

                bench.Peers.Server.ResetCounters();
                ratios.Add(oursRate / rawRate);
                oursRates.Add(oursRate);
                rawRates.Add(rawRate);
            }

            var ratio = Percentiles.Median(ratios);
            pass &= ratio >= RatioLimit;
            parts.Add($"{callers}: {ratio:F3} ({Percentiles.Median(oursRates):F0} vs {Percentiles.Median(rawRates):F0}/s)");
        }

        return new TargetResult(
            Number,
            $"throughput vs a raw pooled connection, {rounds} rounds of {window.TotalMilliseconds:F0} ms per side and level",
            $"app ÷ raw by concurrent callers {string.Join("; ", parts)} (limit: ≥ {RatioLimit:F2} at each)",
            pass);
    }

    /// <summary>Invocations completed per second by <paramref name="callers"/> concurrent loops during <paramref name="window"/>.</summary>
    private static async Task<double> RateAsync(Func<Task> invoke, int callers, TimeSpan window)
    {
        var completed = 0L;
        var open = true;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var loops = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            while (Volatile.Read(ref open))
            {
                await invoke();
                if (Volatile.Read(ref open))
                {
                    Interlocked.Increment(ref completed);
                }
            }
        })).ToArray();
        var began = Stopwatch.GetTimestamp();
        start.SetResult();
        await Task.Delay(window);
        var counted = Interlocked.Read(ref completed);
        var elapsed = Stopwatch.GetElapsedTime(began);
        Volatile.Write(ref open, false);
        await Task.WhenAll(loops);
        return counted / elapsed.TotalSeconds;
    }
}
