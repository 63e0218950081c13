using System.Diagnostics;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>
/// What bounds an open that has to wait: <c>Sql__OpenTimeout</c> and the invocation's cancellation, through real
/// SqlClient logging in to the TDS peer. An open served at once by an idle pooled session sets no timer (its budget goes
/// back to the factory's pool unarmed), so these are the opens the budget is there for.
/// </summary>
public sealed class SqlOpenBudgetTests
{
    private static readonly TimeSpan SlowLogin = TimeSpan.FromSeconds(10);

    [Test]
    public async Task A_login_that_outlasts_Sql__OpenTimeout_is_given_up_at_the_budget()
    {
        await using var peers = AppPeers.Start();
        var factory = peers.App(("Sql__OpenTimeout", "00:00:01")).Services.GetRequiredService<SqlConnectionFactory>();
        peers.Server.Faults.LoginDelay = SlowLogin;

        var waited = Stopwatch.StartNew();
        var refused = Assert.ThrowsAsync<TimeoutException>(() => factory.OpenAsync(CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("did not finish within 00:00:01"));
        Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "Sql__OpenTimeout, not the login's 10 s");
    }

    [Test]
    public async Task The_invocations_cancellation_ends_an_open_that_waits_for_its_login()
    {
        await using var peers = AppPeers.Start();
        var factory = peers.App().Services.GetRequiredService<SqlConnectionFactory>();
        peers.Server.Faults.LoginDelay = SlowLogin;
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var waited = Stopwatch.StartNew();
        var ended = Assert.CatchAsync(() => factory.OpenAsync(cancellation.Token));

        Assert.That(ended, Is.Not.InstanceOf<TimeoutException>(), "cancelled, not timed out (the budget is 60 s)");
        Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "the cancellation, not the login's 10 s");
    }

    [Test]
    public async Task After_opens_served_from_the_pool_the_next_login_is_bounded_again()
    {
        await using var peers = AppPeers.Start();
        var factory = peers.App(("Sql__OpenTimeout", "00:00:01")).Services.GetRequiredService<SqlConnectionFactory>();
        for (var i = 0; i < 3; i++)
        {
            // The first logs in; the others get its session from the pool, their budgets returned unarmed.
            await using var connection = await factory.OpenAsync(CancellationToken.None);
        }

        Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1));
        using (var pooled = factory.Create())
        {
            SqlConnection.ClearPool(pooled);
        }

        peers.Server.Faults.LoginDelay = SlowLogin;
        var waited = Stopwatch.StartNew();
        Assert.ThrowsAsync<TimeoutException>(() => factory.OpenAsync(CancellationToken.None));
        Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "a reused budget bounds the login as a new one does");
    }
}
