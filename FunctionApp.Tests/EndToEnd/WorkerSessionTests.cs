using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Todos;
using static AzureSqlFunctions.Tests.EndToEnd.WorkerHttp;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// The shipped worker's SQL sessions as the TDS peer counts them: pooled across invocations, bounded by the
/// connection string's Max Pool Size under a burst, and all gone once the host has terminated the worker. Each test
/// starts its own worker, so its pool starts empty.
/// </summary>
internal sealed class WorkerSessionTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Test]
    public async Task Twenty_sequential_invocations_make_one_login_with_one_token()
    {
        var table = new TodoTable();
        await using var app = await ShippedApp.StartAsync(prepare: (peers, _) => table.ServeOn(peers.Server));
        table.Add("read often");

        for (var i = 0; i < 20; i++)
        {
            var result = await app.Host.SendHttpAsync(Get("/api/todos/1"));
            Assert.That(result.Status(), Is.EqualTo(200), result.ToString);
        }

        Assert.Multiple(() =>
        {
            Assert.That(app.Sql.Counters.PhysicalLogins, Is.EqualTo(1));
            Assert.That(app.Sql.Counters.OpenSessions, Is.EqualTo(1));
            Assert.That(app.Sql.Statements.Count(s => s.Text == TodoSql.GetById), Is.EqualTo(20));
            Assert.That(app.Identity.TokensIssued, Is.EqualTo(1), "one token from the identity endpoint for all of them");
        });
    }

    [Test]
    public async Task The_worker_logs_in_while_it_starts_and_its_first_invocation_uses_that_session()
    {
        var table = new TodoTable();
        await using var app = await ShippedApp.StartAsync(prepare: (peers, _) => table.ServeOn(peers.Server));
        table.Add("first of the day");

        // Before any invocation: one login, with the one token, its session back in the pool and no statement sent.
        await app.Sql.Counters.WaitUntilAsync(c => c.PhysicalLogins == 1 && c.OpenSessions == 1, Bound);
        Assert.That(app.Sql.Counters.Statements, Is.Zero);
        var reported = await app.Host.WaitForLogAsync(log => log.FullText.Contains("logged in while the worker started", StringComparison.Ordinal), Bound);
        Assert.That(app.Identity.TokensIssued, Is.EqualTo(1));
        Assert.That(reported.FullText, Does.Contain(app.Sql.Options.DatabaseName).And.Contain("the first invocation uses that session"));

        var result = await app.Host.SendHttpAsync(Get("/api/todos/1"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status(), Is.EqualTo(200), result.ToString);
            Assert.That(app.Sql.Counters.PhysicalLogins, Is.EqualTo(1), "the invocation was served by the start-up session");
            Assert.That(app.Identity.TokensIssued, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task An_invocation_that_arrives_during_the_startup_login_waits_for_its_session_and_logs_in_no_other()
    {
        // In the worker, not in this test process: once SqlClient's connection factory is 4 minutes old it prunes,
        // every 30 s, each pool with no connection yet, even one whose first connection is still logging in (that
        // session is then closed when it is returned). A fresh worker's pool is never pruned during its start-up login.
        var table = new TodoTable();
        HeldLogin? held = null;
        await using var app = await ShippedApp.StartAsync(
            prepare: (peers, _) =>
            {
                table.ServeOn(peers.Server);
                held = peers.Server.Faults.HoldNextLoginAfterToken();
            },
            settled: false);
        table.Add("asked for early");
        await held!.Arrived.WaitAsync(Bound); // the start-up login has sent its token; the server holds its answer

        var call = app.Host.SendHttpAsync(Get("/api/todos/1"));
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // the invocation reaches its open (arriving later, it would find the session pooled)
        Assert.That(call.IsCompleted, Is.False, "it waits for the start-up session");
        held.Release();
        var result = await call.WaitAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(result.Status(), Is.EqualTo(200), result.ToString);
            Assert.That(app.Sql.Counters.PhysicalLogins, Is.EqualTo(1), "served by the start-up session, no login beside it");
            Assert.That(app.Sql.Counters.MaxConcurrentSessions, Is.EqualTo(1));
            Assert.That(app.Identity.TokensIssued, Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_failed_startup_login_is_a_warning_and_the_first_invocation_logs_in_by_itself()
    {
        var table = new TodoTable();
        await using var app = await ShippedApp.StartAsync(prepare: (peers, _) =>
        {
            table.ServeOn(peers.Server);
            peers.Server.Faults.FailNextLogins(40613, message: "Database 'appdb' on server 'peer' is not currently available.");
        });
        table.Add("after a rocky start");

        var reported = app.Host.Logs.Single(log => log.Category == typeof(AzureSqlFunctions.Sql.SqlStartupLogin).FullName);
        Assert.That(reported.Level, Is.EqualTo(Microsoft.Extensions.Logging.LogLevel.Warning));
        Assert.That(reported.FullText, Does.Contain("failed").And.Contain("not currently available").And.Contain("invocations open their own connections"));

        var result = await app.Host.SendHttpAsync(Get("/api/todos/1"));

        Assert.Multiple(() =>
        {
            Assert.That(result.Status(), Is.EqualTo(200), result.ToString);
            Assert.That(app.Sql.Counters.FailedLogins, Is.EqualTo(1));
            Assert.That(app.Sql.Counters.PhysicalLogins, Is.EqualTo(1), "the invocation's own login, without waiting out a back-off");
            Assert.That(app.Identity.TokensIssued, Is.EqualTo(1), "the start-up login's token served it");
        });
    }

    [Test]
    public async Task A_burst_never_opens_more_sessions_than_Max_Pool_Size_and_every_call_succeeds()
    {
        const int MaxPoolSize = 4;
        const int Burst = 32;
        var table = new TodoTable();
        await using var app = await ShippedApp.StartAsync(maxPoolSize: MaxPoolSize, prepare: (peers, _) => table.ServeOn(peers.Server));
        table.Add("contended");

        // Queries wait until the pool is full, so the other invocations must queue for a session, then all go on.
        var arrived = 0;
        var poolFull = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        table.AnswerFirst = async (request, cancel) =>
        {
            if (request.Text == TodoSql.GetById && Interlocked.Increment(ref arrived) >= MaxPoolSize)
            {
                poolFull.TrySetResult();
            }

            await poolFull.Task.WaitAsync(cancel);
            return null;
        };

        var calls = Enumerable.Range(0, Burst).Select(_ => app.Host.SendHttpAsync(Get("/api/todos/1"))).ToArray();
        var results = await Task.WhenAll(calls).WaitAsync(Bound);

        Assert.Multiple(() =>
        {
            Assert.That(results.Select(r => r.Status()), Is.All.EqualTo(200), () => string.Join("\n", results.Where(r => r.Status() != 200)));
            Assert.That(app.Sql.Counters.MaxConcurrentSessions, Is.EqualTo(MaxPoolSize), "the pool filled up, and no further");
            Assert.That(app.Sql.Counters.PhysicalLogins, Is.EqualTo(MaxPoolSize));
            Assert.That(arrived, Is.EqualTo(Burst));
        });
    }

    [Test]
    public async Task After_WorkerTerminate_the_worker_exits_by_itself_and_its_sessions_drop_to_zero()
    {
        var table = new TodoTable();
        await using var app = await ShippedApp.StartAsync(prepare: (peers, _) => table.ServeOn(peers.Server));
        table.Add("pooled");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        table.AnswerFirst = async (request, cancel) =>
        {
            if (Interlocked.Increment(ref arrived) == 3)
            {
                release.TrySetResult();
            }

            await release.Task.WaitAsync(cancel);
            return null;
        };
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => app.Host.SendHttpAsync(Get("/api/todos/1")))).WaitAsync(Bound);
        Assert.That(concurrent.Select(r => r.Status()), Is.All.EqualTo(200));
        Assert.That(app.Sql.Counters.OpenSessions, Is.EqualTo(3), "three sessions pooled in the worker");

        var exitCode = await app.Host.StopAsync();

        await app.Sql.Counters.WaitUntilAsync(c => c.OpenSessions == 0, Bound);
        Assert.Multiple(() =>
        {
            Assert.That(exitCode, Is.Zero, () => string.Join("\n", app.Host.StandardError));
            Assert.That(app.Host.WasKilled, Is.False, "it exited on WorkerTerminate, not by the peer's kill");
        });
    }
}
