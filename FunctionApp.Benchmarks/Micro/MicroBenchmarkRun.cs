using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// The BenchmarkDotNet tables behind targets 1, 2, 3 and 8, for detail (full mode only; the verdicts are the
/// interleaved measurements'). In process (<see cref="InProcessEmitToolchain"/>): the peers are objects in this
/// process, and the solution's strict build settings would not carry over to a generated project. BenchmarkDotNet's
/// default job otherwise; medians and allocations shown; reports under BenchmarkDotNet.Artifacts/results/.
/// </summary>
internal static class MicroBenchmarkRun
{
    public static void Run()
    {
        var config = DefaultConfig.Instance
            .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithId("InProcess"))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median)
            .WithOptions(ConfigOptions.DisableLogFile);
        BenchmarkRunner.Run<PipelineSelectOneBenchmarks>(config);
        BenchmarkRunner.Run<PipelineWithoutSqlBenchmarks>(config);
        BenchmarkRunner.Run<TokenSourceBenchmarks>(config);
        BenchmarkRunner.Run<TokenValidationBenchmarks>(config);
    }
}
