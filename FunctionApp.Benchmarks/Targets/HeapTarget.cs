using AzureSqlFunctions.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 7: the managed heap after 10 000 invocations (unit of work + pooled <c>SELECT 1</c>, production container,
/// telemetry exporting) against after 1 000, each read after full blocking, compacting collections. Before each
/// reading the telemetry is flushed to the ingestion sink (the exporters batch spans until they send them) and the
/// in-process peer's statement log is dropped, so only what the app and SqlClient keep is weighed. Judged on the
/// small-object heap (live bytes of generations 0–2 and the pinned heap, fragmentation excluded); the large object
/// heap's change is printed: it holds 128 KB byte arrays that the shared array pool keeps per thread (a heap dump
/// showed whole such arrays added between readings, none of them the app's). PASS when the small-object growth is
/// at most 16 KB — under 2 bytes per invocation over the 9 000 between the readings.
/// </summary>
internal static class HeapTarget
{
    public const int Number = 7;
    private const int First = 1_000;
    private const int Total = 10_000;
    private const long ToleranceBytes = 16 * 1024;

    public static async Task<TargetResult> RunAsync()
    {
        await using var bench = await ShippedBench.StartAsync();
        var pipeline = bench.UnitOfWork(ShippedBench.SelectOneFunction);

        async Task InvokeAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                using var cancellation = new CancellationTokenSource();
                await pipeline(bench.Context(cancellation.Token));
            }
        }

        await InvokeAsync(First);
        var afterFirst = SettledHeap(bench);
        await InvokeAsync(Total - First);
        var afterTotal = SettledHeap(bench);
        var growth = afterTotal.Small - afterFirst.Small;
        var largeGrowth = afterTotal.Large - afterFirst.Large;
        return new TargetResult(
            Number,
            $"managed heap after {Total} vs after {First} invocations",
            $"small-object heap {afterFirst.Small / 1024.0:F1} KB → {afterTotal.Small / 1024.0:F1} KB, growth {growth / 1024.0:+0.0;-0.0} KB ({(double)growth / (Total - First):F2} B/invocation); "
            + $"large object heap (pooled I/O buffers, not judged) {largeGrowth / 1024.0:+0.0;-0.0} KB (limit: small-object growth ≤ +{ToleranceBytes / 1024} KB)",
            growth <= ToleranceBytes);
    }

    /// <summary>The heap after full, blocking, compacting collections: small objects (generations 0–2) and the large object heap.</summary>
    private static (long Small, long Large) SettledHeap(ShippedBench bench)
    {
        bench.App.Services.GetService<TracerProvider>()?.ForceFlush();
        bench.App.Services.GetService<MeterProvider>()?.ForceFlush();
        bench.Peers.Server.ResetCounters();
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var generations = GC.GetGCMemoryInfo(GCKind.FullBlocking).GenerationInfo;
        var small = Live(generations[0]) + Live(generations[1]) + Live(generations[2]) + Live(generations[4]);
        return (small, Live(generations[3]));
    }

    private static long Live(GCGenerationInfo generation) => generation.SizeAfterBytes - generation.FragmentationAfterBytes;
}
