using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.Benchmarks.Scenarios;

/// <summary>
/// Target 7: the managed heap after 10 000 invocations against after 1 000, each read after full blocking, compacting
/// collections. The peer runs in this process and records every statement it receives; that log is dropped
/// (<c>TdsServer.ResetCounters</c>) before each reading so that only the app and SqlClient are weighed.
/// </summary>
internal static class HeapScenario
{
    private const int First = 1_000;
    private const int Total = 10_000;

    /// <summary>
    /// Allowed difference: 16 KB, under 2 bytes per invocation across the 9 000 between the readings, so any
    /// per-invocation leak fails, while the runtime's own lazily grown structures (thread pool, timers) do not.
    /// </summary>
    private const long ToleranceBytes = 16 * 1024;

    public static async Task<TargetResult> RunAsync()
    {
        using var issuer = new TokenIssuer();
        var principal = TestPrincipal.Create("heap-app");
        await using var app = PeerApp.Start(issuer, principal, new IssuerCredential(issuer, principal));

        for (var i = 0; i < First; i++)
        {
            await app.SelectOneAsync();
        }

        var afterFirst = SettledHeap(app);
        for (var i = First; i < Total; i++)
        {
            await app.SelectOneAsync();
        }

        var afterTotal = SettledHeap(app);
        var growth = afterTotal - afterFirst;
        return new TargetResult(
            7,
            "managed heap after 10000 vs after 1000 invocations",
            $"{afterFirst / 1024.0:F1} KB → {afterTotal / 1024.0:F1} KB, growth {growth / 1024.0:+0.0;-0.0} KB ({(double)growth / (Total - First):F2} B/invocation) (≤ +{ToleranceBytes / 1024} KB)",
            growth <= ToleranceBytes);
    }

    private static long SettledHeap(PeerApp app)
    {
        app.Server.ResetCounters();
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
