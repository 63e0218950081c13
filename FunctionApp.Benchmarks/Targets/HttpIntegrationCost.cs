using System.Diagnostics;
using System.Net;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.FunctionsHost;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Reported beside target 2, not judged: what an HTTP invocation costs through the ASP.NET Core integration of the
/// real worker. The shipped worker process (the solution's build, production settings and telemetry) is started and
/// driven by the Functions host peer as the host drives it: each liveness invocation is an InvocationRequest over
/// gRPC plus the raw HTTP request proxied to the worker's Kestrel, paired by the invocation id, run through the
/// worker's pipeline (the integration's middleware, the app's middleware, the function) and answered on the proxied
/// call. Sequential invocations; p50 and p99 of the whole round trip as the host peer sees it, so the peer's own
/// work is in it too.
/// </summary>
internal static class HttpIntegrationCost
{
    public static async Task<string> RunAsync(RunMode mode)
    {
        var invocations = mode.Quick ? 500 : 2000;
        await using var peers = AppPeers.Start();
        var identity = await peers.StartManagedIdentityAsync();
        await peers.StartIngestionAsync();
        var options = new FunctionsHostOptions { WorkerPath = ShippedWorker.Path };
        foreach (var (key, value) in ApiSignIn.Shared.Settings.Concat(
        [
            ("Sql__ConnectionString", peers.ProductionConnectionString()),
            ("Sql__Credential", "ManagedIdentity"),
            ("Maintenance__PurgeSchedule", "0 0 3 * * *"),
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", peers.Ingestion!.ConnectionString),
        ]))
        {
            options.AppSettings[key] = value;
        }

        await using var host = await FunctionsHostPeer.StartAsync(options);
        for (var i = 0; i < 200; i++)
        {
            await LiveAsync(host);
        }

        var samples = new List<double>(invocations);
        for (var i = 0; i < invocations; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await LiveAsync(host);
            samples.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
        }

        return $"  a whole liveness invocation through the shipped worker process and the host peer (gRPC + proxied HTTP, ASP.NET Core integration, the app's middleware, the function): "
            + $"p50 {Percentiles.Median(samples):F0} µs, p99 {Percentiles.Of(samples, 99):F0} µs over {invocations} sequential invocations; identity requests {identity.RequestCount} (liveness asks for none)";
    }

    private static async Task LiveAsync(FunctionsHostPeer host)
    {
        var result = await host.SendHttpAsync(new HttpRequestMessage(HttpMethod.Get, "/api/health/live"));
        if (result.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"Liveness answered {result.StatusCode}: {result.Body}");
        }
    }
}
