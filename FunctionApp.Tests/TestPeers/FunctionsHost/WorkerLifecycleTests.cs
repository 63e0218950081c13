using System.Diagnostics;
using AzureSqlFunctions.TestPeers.FunctionsHost;

namespace AzureSqlFunctions.Tests.TestPeers.FunctionsHost;

/// <summary>The shipped worker's start and end as the host sees them: refusing bad settings, WorkerTerminate, a kill.</summary>
internal sealed class WorkerLifecycleTests
{
    // A syntactically valid target the worker never reaches in these tests (no invocation is made).
    private const string UnusedSqlServer = "Server=tcp:127.0.0.1,1;Database=appdb;Encrypt=False";

    // No identity endpoint here: a start-up login's token request would go to the instance metadata address, off loopback.
    private static readonly (string, string?) NoStartupLogin = ("Sql__LoginAtStartup", "false");

    [TestCase(null, "Sql__ConnectionString", TestName = "Sql__ConnectionString missing")]
    [TestCase("Bogus", "Sql__Credential", TestName = "Sql__Credential unknown")]
    public void A_bad_app_setting_makes_the_worker_exit_non_zero_naming_the_setting(string? credential, string setting)
    {
        var options = ShippedWorker.Options(
            ("Sql__ConnectionString", setting == "Sql__ConnectionString" ? null : UnusedSqlServer),
            ("Sql__AllowInsecureTransport", "true"),
            ("Sql__Credential", credential ?? "ManagedIdentity"),
            ("Maintenance__PurgeSchedule", "0 0 3 * * *"));

        var failure = Assert.ThrowsAsync<WorkerStartException>(() => FunctionsHostPeer.StartAsync(options));

        Assert.That(failure!.ExitCode, Is.Not.Null.And.Not.Zero, failure.Message);
        var said = failure.StandardError.Concat(failure.Logs.Select(log => log.FullText));
        Assert.That(said, Has.Some.Contains(setting), failure.Message);
    }

    [Test]
    public async Task WorkerTerminate_ends_the_worker_by_itself_within_the_hosts_grace_period()
    {
        await using var host = await FunctionsHostPeer.StartAsync(ShippedWorker.Options(
            ("Sql__ConnectionString", UnusedSqlServer), ("Sql__AllowInsecureTransport", "true"), ("Sql__Credential", "ManagedIdentity"), ("Maintenance__PurgeSchedule", "0 0 3 * * *"), NoStartupLogin));
        var stopping = Stopwatch.StartNew();

        var exitCode = await host.StopAsync();

        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, () => string.Join("\n", host.StandardError));
            Assert.That(host.WasKilled, Is.False, "it exited on WorkerTerminate, not by the peer's kill");
            Assert.That(stopping.Elapsed, Is.LessThan(FunctionsHostOptions.HostTerminateGracePeriod));
        });
    }

    [Test]
    public async Task Disposing_the_peer_kills_a_worker_that_still_runs()
    {
        var host = await FunctionsHostPeer.StartAsync(ShippedWorker.Options(
            ("Sql__ConnectionString", UnusedSqlServer), ("Sql__AllowInsecureTransport", "true"), ("Sql__Credential", "ManagedIdentity"), ("Maintenance__PurgeSchedule", "0 0 3 * * *"), NoStartupLogin));
        var processId = host.ProcessId;

        await host.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(host.HasExited, Is.True);
            Assert.That(host.WasKilled, Is.True);
            Assert.That(IsGone(processId), Is.True, "no such process left");
        });
    }

    private static bool IsGone(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
