using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Runs the BenchmarkDotNet classes (targets 1–3, and 8: the bearer token check) and turns their medians and allocations into target results.
/// Both modes run in process (<see cref="InProcessEmitToolchain"/>): the peers are objects in this process and the
/// solution's strict build settings would not carry over to a generated project. Quick mode shortens the job:
/// 1 launch, 3 warm-up and 15 measured iterations of 100 ms (a median of 15 shrugs off a few noisy iterations);
/// full mode keeps BenchmarkDotNet's defaults, which choose the iteration count until the error is small.
/// </summary>
internal static class MicroBenchmarkRun
{
    public static (IReadOnlyList<TargetResult> Results, IReadOnlyList<Summary> Summaries) Run(bool quick)
    {
        var config = Config(quick);
        var selectOne = BenchmarkRunner.Run<PipelineSelectOneBenchmarks>(config);
        var withoutSql = BenchmarkRunner.Run<PipelineWithoutSqlBenchmarks>(config);
        var tokens = BenchmarkRunner.Run<TokenSourceBenchmarks>(config);
        var bearer = BenchmarkRunner.Run<TokenValidationBenchmarks>(config);
        var results = new List<TargetResult>
        {
            SelectOneTarget(selectOne),
            WithoutSqlTarget(withoutSql, MeasureInvocationConnectionBytes()),
            TokenSourceTarget(tokens),
            TokenValidationBenchmarks.Target(bearer),
        };
        return (results, [selectOne, withoutSql, tokens, bearer]);
    }

    private static ManualConfig Config(bool quick)
    {
        var job = Job.Default.WithToolchain(InProcessEmitToolchain.Instance);
        job = quick
            ? job.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15).WithIterationTime(TimeInterval.FromMilliseconds(100)).WithId("Quick")
            : job.WithId("InProcess");
        return DefaultConfig.Instance
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median)
            .WithOptions(ConfigOptions.DisableLogFile);
    }

    private static TargetResult SelectOneTarget(Summary summary)
    {
        const string name = "middleware+SELECT 1 vs plain pooled";
        if (Median(summary, nameof(PipelineSelectOneBenchmarks.Plain_pooled_SqlConnection_SELECT_1)) is not { } plain
            || Median(summary, nameof(PipelineSelectOneBenchmarks.Pipeline_lazy_open_SELECT_1)) is not { } ours)
        {
            return new TargetResult(1, name, "no result (a benchmark failed)", Pass: false);
        }

        var ratio = ours / plain;
        return new TargetResult(1, name, $"ratio {ratio:F3} ({ours / 1000:F1} µs / {plain / 1000:F1} µs, medians) (≤ 1.05)", ratio <= 1.05);
    }

    private static TargetResult WithoutSqlTarget(Summary summary, double oneObjectBytes)
    {
        const string name = "invocation without SQL vs next directly";
        var direct = Report(summary, nameof(PipelineWithoutSqlBenchmarks.Next_called_directly));
        var ours = Report(summary, nameof(PipelineWithoutSqlBenchmarks.Pipeline_without_SQL));
        if (direct?.ResultStatistics is null || ours?.ResultStatistics is null)
        {
            return new TargetResult(2, name, "no result (a benchmark failed)", Pass: false);
        }

        var addedNs = ours.ResultStatistics.Median - direct.ResultStatistics.Median;
        var addedBytes = (ours.GcStats.GetBytesAllocatedPerOperation(ours.BenchmarkCase) ?? long.MaxValue)
            - (direct.GcStats.GetBytesAllocatedPerOperation(direct.BenchmarkCase) ?? 0);
        return new TargetResult(
            2,
            name,
            $"adds {addedNs:F1} ns (< 100 ns) and {addedBytes} B/op (≤ {oneObjectBytes:F0} B, one InvocationConnection)",
            addedNs < 100 && addedBytes <= oneObjectBytes);
    }

    private static TargetResult TokenSourceTarget(Summary summary)
    {
        const string name = "cached token vs credential direct";
        var cached = Report(summary, nameof(TokenSourceBenchmarks.AccessTokenSource_cached));
        var managedIdentity = Median(summary, nameof(TokenSourceBenchmarks.ManagedIdentityCredential_to_endpoint));
        var azureCli = Median(summary, nameof(TokenSourceBenchmarks.AzureCliCredential_process_per_call));
        var msalHit = Median(summary, nameof(TokenSourceBenchmarks.ManagedIdentityCredential_MSAL_cache_hit));
        if (cached?.ResultStatistics is null || managedIdentity is null)
        {
            return new TargetResult(3, name, "no result (a benchmark failed)", Pass: false);
        }

        var hot = cached.ResultStatistics.Median;
        var bytes = cached.GcStats.GetBytesAllocatedPerOperation(cached.BenchmarkCase);
        var speedup = managedIdentity.Value / hot;
        var others = $"AzureCli ×{azureCli / hot:F0}, MSAL cache hit ×{msalHit / hot:F0}";
        return new TargetResult(
            3,
            name,
            $"{hot:F1} ns, {bytes} B/op; managed identity to endpoint {managedIdentity.Value / 1000:F1} µs = ×{speedup:F0} faster (≥ ×1000, 0 B) [{others}]",
            speedup >= 1000 && bytes == 0);
    }

    private static BenchmarkReport? Report(Summary summary, string method) =>
        summary.Reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);

    private static double? Median(Summary summary, string method) => Report(summary, method)?.ResultStatistics?.Median;

    /// <summary>The size of one <see cref="InvocationConnection"/>, measured: the most target 2 lets the pipeline allocate.</summary>
    private static double MeasureInvocationConnectionBytes()
    {
        using var issuer = new TokenIssuer();
        var principal = TestPrincipal.Create("size-probe");
        var app = PeerApp.Start(issuer, principal, new IssuerCredential(issuer, principal));
        try
        {
            var metrics = app.Services.GetService(typeof(Telemetry.SqlMetrics)) as Telemetry.SqlMetrics
                ?? throw new InvalidOperationException("SqlMetrics is not registered.");
            const int count = 1000;
            var keep = new InvocationConnection[count];
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < count; i++)
            {
                keep[i] = new InvocationConnection(app.Factory, metrics, CancellationToken.None);
            }

            var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)count;
            GC.KeepAlive(keep);
            return bytes;
        }
        finally
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}
