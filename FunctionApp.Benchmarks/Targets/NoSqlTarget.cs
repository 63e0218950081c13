using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 2: what the unit of work adds to an HTTP invocation that never touches SQL (the liveness probe's path), with
/// production logging and telemetry on: the function run through the unit of work's step as the worker chains it (the
/// worker resolves the middleware from the invocation's services, the middleware decides once per function), against
/// the function called directly, as the last middleware's <c>next</c>. The function completes synchronously, so the
/// time and the bytes counted on the measuring thread are the middleware's own. Limits: at most 100 ns and one
/// allocation — one <see cref="InvocationConnection"/>, whose size is measured here — more than calling <c>next</c>.
/// Also shown, not judged: the app's whole middleware (exposed headers and the token gate, which lets the anonymous
/// function through), whose header write here goes to a <c>DefaultHttpContext</c>'s dictionary (Kestrel's response
/// headers keep known headers in fields).
/// </summary>
internal static class NoSqlTarget
{
    public const int Number = 2;
    private const double LimitNs = 100;
    private const int OperationsPerBlock = 20_000;

    public static async Task<(TargetResult Result, string Detail)> RunAsync(RunMode mode)
    {
        await using var bench = await ShippedBench.StartAsync();
        var context = bench.Context();
        var function = ShippedBench.NoSqlFunction;
        var unitOfWork = bench.UnitOfWork(function);
        var chain = bench.Pipeline(function);
        var oneObject = InvocationConnectionBytes(bench);

        var comparisons = await Interleaved.CompareAsync(
            () => new ValueTask(function(context)),
            [() => new ValueTask(unitOfWork(context)), () => new ValueTask(chain(context))],
            mode.Rounds,
            OperationsPerBlock,
            threadBytesOnly: true,
            warmUpOperations: 100_000);

        var ours = comparisons[0];
        var whole = comparisons[1];
        var addedNs = ours.MedianDifferenceNs;
        var addedBytes = ours.MedianByteDifference;
        var result = new TargetResult(
            Number,
            "invocation without SQL, unit of work vs next",
            $"adds {addedNs:F1} ns ({ours.DifferenceSpread}; next alone {ours.BaselineMedianNs:F1} ns) and {addedBytes:F0} B/invocation "
            + $"(limits: ≤ {LimitNs:F0} ns, ≤ one allocation = one InvocationConnection, {oneObject:F0} B)",
            addedNs <= LimitNs && addedBytes <= oneObject);
        var detail = $"  the app's whole middleware (exposed headers, token gate passing the anonymous function, unit of work): adds {whole.MedianDifferenceNs:F1} ns ({whole.DifferenceSpread}), {whole.MedianByteDifference:F0} B/invocation";
        return (result, detail);
    }

    /// <summary>The size of one <see cref="InvocationConnection"/> as allocated here: the one object the target allows.</summary>
    private static double InvocationConnectionBytes(ShippedBench bench)
    {
        var metrics = bench.App.Services.GetRequiredService<SqlMetrics>();
        const int count = 1000;
        var keep = new InvocationConnection[count];
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < count; i++)
        {
            keep[i] = new InvocationConnection(bench.Factory, metrics, CancellationToken.None);
        }

        var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)count;
        GC.KeepAlive(keep);
        return bytes;
    }
}
