using AzureSqlFunctions.Benchmarks.Micro;
using AzureSqlFunctions.Benchmarks.Scenarios;
using AzureSqlFunctions.Benchmarks.Support;
using BenchmarkDotNet.Environments;

namespace AzureSqlFunctions.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project FunctionApp.Benchmarks -- [--quick]</c>: the timed scenarios (targets 4–7)
/// first — while SqlClient has not yet pruned any pool, so its pool counters move only with the scenario — then the
/// BenchmarkDotNet classes (targets 1–3), then one line per target with PASS or FAIL. Exit code 1 if any failed.
/// <c>-- --worker [--quick]</c> runs only the worker-process scenario (target 8, docs/benchmarks.md).
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [WorkerProcessScenario.PlainClientArgument])
        {
            return await WorkerProcessScenario.PlainClientMainAsync();
        }

        var quick = args.Contains("--quick", StringComparer.Ordinal);
        if (args.Any(a => a is not "--quick" and not "--worker"))
        {
            await Console.Error.WriteLineAsync("usage: FunctionApp.Benchmarks [--quick] [--worker]");
            return 2;
        }

        if (args.Contains("--worker", StringComparer.Ordinal))
        {
            var (worker, lines) = await WorkerProcessScenario.RunAsync(quick);
            HostEnvironmentInfo.GetCurrent().ToFormattedString().Take(2).ToList().ForEach(Console.WriteLine);
            Console.WriteLine($"{Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}");
            Console.WriteLine(worker);
            lines.ToList().ForEach(Console.WriteLine);
            return worker.Pass ? 0 : 1;
        }

        var scale = quick ? ScenarioScale.Quick : ScenarioScale.Full;
        var results = new List<TargetResult>();
        IReadOnlyList<string> naiveLines;
        using (var counters = new SqlClientPoolCounters())
        {
            await counters.StartAsync();
            results.Add(await RotationScenario.RunAsync(counters));
            naiveLines = await NaivePatternScenario.RunAsync(scale, counters, results);
            results.Add(await BurstScenario.RunAsync(scale));
            results.Add(await HeapScenario.RunAsync());
            if (!counters.Available)
            {
                Console.WriteLine("note: SqlClient published no event counters; pool counts fall back to what the peer saw.");
            }
        }

        var interleaved = await InterleavedSelectOneCheck.RunAsync();
        Console.WriteLine("Scenario results so far:");
        results.ForEach(Console.WriteLine);

        var (micro, _) = MicroBenchmarkRun.Run(quick);
        results.AddRange(micro);

        Console.WriteLine();
        Console.WriteLine($"== Targets ({(quick ? "quick" : "full")} mode) ==");
        Console.WriteLine(HostEnvironmentInfo.GetCurrent().ToFormattedString().FirstOrDefault() ?? string.Empty);
        Console.WriteLine($"{Environment.ProcessorCount} logical cores, {Environment.OSVersion}, .NET {Environment.Version}");
        foreach (var result in results.OrderBy(r => r.Number))
        {
            Console.WriteLine(result);
            if (result.Number == 1)
            {
                Console.WriteLine(interleaved);
            }

            if (result.Number == 6)
            {
                naiveLines.ToList().ForEach(Console.WriteLine);
            }
        }

        var failed = results.Count(r => !r.Pass);
        Console.WriteLine($"{results.Count - failed} of {results.Count} targets PASS");
        return failed == 0 ? 0 : 1;
    }
}
