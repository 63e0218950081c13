using System.Diagnostics;
using AzureSqlFunctions.Benchmarks.Micro;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Benchmarks.Targets;

namespace AzureSqlFunctions.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project FunctionApp.Benchmarks -- [--quick] [--target N,N…]</c>: every target measured
/// on the app as it ships (the worker's own host and middleware, production logging and telemetry, TLS, the default
/// retry settings), each ratio decided by an interleaved A/B measurement; then one line per target with PASS or FAIL.
/// Full mode also runs the BenchmarkDotNet classes, for detail. Exit code 1 if any target failed, 2 for bad arguments.
/// </summary>
internal static class Program
{
    private const string Usage = "usage: FunctionApp.Benchmarks [--quick] [--target N[,N…]]";

    public static async Task<int> Main(string[] args)
    {
        var startedAt = Stopwatch.GetTimestamp();
        if (args.Length == 2 && args[0] == ColdStartTarget.ChildArgument)
        {
            return await ColdStartTarget.RunChildAsync(args[1], startedAt);
        }

        if (args is [WorkerProcessTarget.PlainClientArgument])
        {
            return await WorkerProcessTarget.PlainClientMainAsync();
        }

        if (!TryParse(args, out var mode, out var only))
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        bool Wanted(int number) => only is null || only.Contains(number);
        var loadBefore = Machine.LoadAverage();
        var results = new List<(TargetResult Result, IReadOnlyList<string> Details)>();
        void Add(TargetResult result, IReadOnlyList<string>? details = null)
        {
            results.Add((result, details ?? []));
            Console.WriteLine(result);
        }

        // First the scenarios that count pools with SqlClient's process-wide counters, before other targets' pools
        // exist and while SqlClient has pruned none.
        using (var counters = new SqlClientPoolCounters())
        {
            await counters.StartAsync();
            if (!counters.Available)
            {
                Console.WriteLine("note: SqlClient published no event counters; pool counts fall back to what the peer saw.");
            }

            if (Wanted(RotationTarget.Number))
            {
                Add(await RotationTarget.RunAsync(mode, counters));
            }

            if (Wanted(NaivePatternTarget.Number))
            {
                var (result, details) = await NaivePatternTarget.RunAsync(mode, counters);
                Add(result, details);
            }
        }

        if (Wanted(SelectOneTarget.Number))
        {
            var (result, details) = await SelectOneTarget.RunAsync(mode);
            Add(result, details);
        }

        if (Wanted(NoSqlTarget.Number))
        {
            var (result, detail) = await NoSqlTarget.RunAsync(mode);
            Add(result, [detail, await HttpIntegrationCost.RunAsync(mode)]);
        }

        if (Wanted(TokenCacheTarget.Number))
        {
            var (result, details) = await TokenCacheTarget.RunAsync(mode);
            Add(result, details);
        }

        if (Wanted(BurstTarget.Number))
        {
            var (result, details) = await BurstTarget.RunAsync(mode);
            Add(result, details);
        }

        if (Wanted(HeapTarget.Number))
        {
            Add(await HeapTarget.RunAsync());
        }

        if (Wanted(BearerCheckTarget.Number))
        {
            Add(await BearerCheckTarget.RunAsync(mode));
        }

        if (Wanted(ThroughputTarget.Number))
        {
            Add(await ThroughputTarget.RunAsync(mode));
        }

        if (Wanted(ColdStartTarget.Number))
        {
            var (result, details) = await ColdStartTarget.RunAsync(mode);
            Add(result, details);
        }

        if (Wanted(WorkerProcessTarget.Number))
        {
            var (result, details) = await WorkerProcessTarget.RunAsync(mode);
            Add(result, details);
        }

        var loadAfter = Machine.LoadAverage();
        if (!mode.Quick && only is null)
        {
            MicroBenchmarkRun.Run();
        }

        Console.WriteLine();
        Console.WriteLine($"== Targets ({mode.Name} mode, {Stopwatch.GetElapsedTime(startedAt).TotalSeconds:F0} s) ==");
        Console.WriteLine(Machine.Describe(loadBefore, loadAfter));
        foreach (var (result, details) in results.OrderBy(r => r.Result.Number))
        {
            Console.WriteLine(result);
            foreach (var detail in details)
            {
                Console.WriteLine(detail);
            }
        }

        var failed = results.Count(r => !r.Result.Pass);
        Console.WriteLine($"{results.Count - failed} of {results.Count} targets PASS");
        return failed == 0 ? 0 : 1;
    }

    private static bool TryParse(string[] args, out RunMode mode, out HashSet<int>? only)
    {
        mode = RunMode.Full;
        only = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    mode = RunMode.QuickMode;
                    break;
                case "--target" when i + 1 < args.Length:
                    var numbers = args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    only = [];
                    foreach (var number in numbers)
                    {
                        if (!int.TryParse(number, System.Globalization.CultureInfo.InvariantCulture, out var n) || n is < 1 or > WorkerProcessTarget.Number)
                        {
                            return false;
                        }

                        only.Add(n);
                    }

                    break;
                default:
                    return false;
            }
        }

        return true;
    }
}
