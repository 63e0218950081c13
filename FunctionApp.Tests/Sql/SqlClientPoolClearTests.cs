using System.Diagnostics;
using System.Reflection;
using AzureSqlFunctions.Testing;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>
/// dotnet/SqlClient#4714 (7.1.0): an <c>OpenAsync</c> in flight when its pool is cleared failed at once with the pool's
/// "Timeout expired" error. Re-checked here with the SqlClient version the app ships, against the TDS peer.
/// </summary>
public sealed class SqlClientPoolClearTests
{
    [Test]
    public async Task An_open_in_flight_while_the_pools_are_cleared_with_the_shipped_SqlClient()
    {
        var version = typeof(SqlConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        await TestContext.Out.WriteLineAsync($"Microsoft.Data.SqlClient {version}");
        await using var peers = AppPeers.Start();
        var app = peers.App(("Sql__OpenRetries", "0"));
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1)); // the pool exists
        peers.Server.Faults.LoginDelay = TimeSpan.FromMilliseconds(500); // the next logins are in flight for a while

        var opens = Enumerable.Range(0, 4).Select(_ => CatchAsync(() => app.SelectOneAsync())).ToArray();
        await peers.Server.Counters.WaitUntilAsync(_ => true, TimeSpan.FromMilliseconds(100));
        await Task.Delay(100);
        var clock = Stopwatch.StartNew();
        SqlConnection.ClearAllPools();
        var outcomes = await Task.WhenAll(opens);
        clock.Stop();

        foreach (var outcome in outcomes)
        {
            await TestContext.Out.WriteLineAsync(outcome?.GetType().Name + ": " + outcome?.Message);
        }

        Assert.That(version, Does.StartWith("7.1.1"), "re-check this test and README's note when SqlClient changes");
        Assert.That(outcomes, Is.All.Null, "every open in flight during the clear completes (dotnet/SqlClient#4714 does not reproduce)");
    }

    private static async Task<Exception?> CatchAsync(Func<Task<int>> open)
    {
        try
        {
            await open();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }
}
