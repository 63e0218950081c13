using System.Data;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Telemetry;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>
/// The per-invocation connection and its unit of work, end to end: the app's pipeline → real SqlClient → the TDS peer.
/// </summary>
public sealed class InvocationPipelineEndToEndTests
{
    private AppOnPeer _app = null!;

    [SetUp]
    public void SetUp() => _app = AppOnPeer.Start();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    [Test]
    public async Task An_invocation_that_never_touches_SQL_opens_nothing()
    {
        using var notOpened = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), SqlMetrics.MeterName, "sql.invocation.connections_not_opened");

        var problem = await _app.InvokeAsync(_ => Task.CompletedTask);

        Assert.That(problem, Is.Null);
        Assert.That(_app.Server.Counters.PhysicalLogins, Is.Zero);
        Assert.That(notOpened.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1));
    }

    [Test]
    public async Task Asking_twice_in_one_invocation_gives_the_same_open_connection()
    {
        SqlConnection? first = null, second = null;

        await _app.InvokeAsync(async sql =>
        {
            first = await sql.GetOpenConnectionAsync();
            second = await sql.GetOpenConnectionAsync();
        });

        Assert.That(second, Is.SameAs(first));
        Assert.That(first!.State, Is.EqualTo(ConnectionState.Closed), "disposed at the end of the invocation");
        Assert.That(_app.Server.Counters.PhysicalLogins, Is.EqualTo(1));
    }

    [Test]
    public async Task A_hundred_sequential_invocations_make_one_physical_login_and_reuse_it_with_a_reset()
    {
        for (var i = 0; i < 100; i++)
        {
            Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1));
        }

        Assert.Multiple(() =>
        {
            Assert.That(_app.Server.Counters.PhysicalLogins, Is.EqualTo(1));
            Assert.That(_app.Server.Counters.ResetConnections, Is.EqualTo(99), "every reuse resets the session");
            Assert.That(_app.Server.Counters.Statements, Is.EqualTo(100));
            Assert.That(_app.Server.Counters.OpenSessions, Is.EqualTo(1), "the one session waits in the pool");
        });
    }

    [Test]
    public async Task A_unit_of_work_commits_when_the_invocation_succeeds()
    {
        _app.Server.Handle("INSERT", SqlResponse.Affected(1));

        var problem = await _app.InvokeAsync(async sql =>
        {
            var transaction = await sql.BeginUnitOfWorkAsync();
            await using var insert = new SqlCommand("INSERT INTO dbo.Todos (Title) VALUES (@Title)", await sql.GetOpenConnectionAsync(), transaction);
            insert.Parameters.AddWithValue("@Title", "write it down");
            await insert.ExecuteNonQueryAsync();
        });

        Assert.That(problem, Is.Null);
        Assert.That(_app.Server.Counters.TransactionsCommitted, Is.EqualTo(1));
        Assert.That(_app.Server.Counters.TransactionsRolledBack, Is.Zero);
        Assert.That(_app.Server.Statements.Single().TransactionDescriptor, Is.Not.Null, "the INSERT ran inside the transaction");
    }

    [Test]
    public async Task A_function_that_throws_after_writing_is_rolled_back_and_its_session_goes_back_to_the_pool()
    {
        _app.Server.Handle("INSERT", SqlResponse.Affected(1));

        var thrown = Assert.ThrowsAsync<InvalidOperationException>(() => _app.InvokeAsync(async sql =>
        {
            var transaction = await sql.BeginUnitOfWorkAsync();
            await using var insert = new SqlCommand("INSERT INTO dbo.Todos (Title) VALUES (@Title)", await sql.GetOpenConnectionAsync(), transaction);
            insert.Parameters.AddWithValue("@Title", "half done");
            await insert.ExecuteNonQueryAsync();
            throw new InvalidOperationException("bug after the write");
        }));

        Assert.That(thrown!.Message, Is.EqualTo("bug after the write"), "a bug is not turned into a 503");
        Assert.That(_app.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
        Assert.That(_app.Server.Counters.TransactionsCommitted, Is.Zero);

        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(_app.Server.Counters.PhysicalLogins, Is.EqualTo(1), "the session was reused, not leaked");
        Assert.That(_app.Server.Counters.OpenSessions, Is.EqualTo(1));
    }

    [Test]
    public async Task A_cancelled_invocation_sends_attention_answers_503_not_500_and_rolls_back()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _app.Server.Handle(async (request, cancel) =>
        {
            if (!request.Text.Contains("WAITFOR", StringComparison.Ordinal))
            {
                return null;
            }

            running.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancel); // until the client's attention arrives
            return SqlResponse.Affected(0);
        });
        using var invocation = new CancellationTokenSource();

        var pending = _app.InvokeAsync(
            async sql =>
            {
                await sql.BeginUnitOfWorkAsync();
                await using var slow = new SqlCommand("WAITFOR DELAY '00:10:00'", await sql.GetOpenConnectionAsync(), sql.Transaction);
                await slow.ExecuteNonQueryAsync(sql.CancellationToken);
            },
            cancellation: invocation.Token);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await invocation.CancelAsync();
        var problem = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(problem?.Status, Is.EqualTo(503));
        Assert.That(problem!.Type, Is.EqualTo(ProblemTypes.RequestCancelled));
        Assert.That(_app.Server.Counters.Attentions, Is.EqualTo(1));
        Assert.That(_app.Server.Counters.TransactionsCommitted, Is.Zero);
        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1), "the next invocation works");
    }

    [Test]
    public async Task A_transient_login_error_twice_then_success_opens_through_the_retry_provider()
    {
        using var retries = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), SqlMetrics.MeterName, "sql.connection.open.retries");
        _app.Server.Faults.FailNextLogins(40613, count: 2);

        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1));

        Assert.That(_app.Server.Counters.FailedLogins, Is.EqualTo(2));
        Assert.That(_app.Server.Counters.PhysicalLogins, Is.EqualTo(1));
        Assert.That(retries.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(2));
    }

    [TestCase(40613)]
    [TestCase(40501)]
    [TestCase(4060)]
    [TestCase(49918)]
    public async Task A_login_error_that_persists_answers_an_http_invocation_with_503_and_Retry_After(int number)
    {
        _app.Server.Faults.FailNextLogins(number, count: 100);

        var problem = await _app.InvokeAsync(async sql => await AppOnPeer.SelectOne(sql));

        Assert.That(problem?.Status, Is.EqualTo(503));
        Assert.That(problem!.Type, Is.EqualTo(ProblemTypes.DatabaseUnavailable));
        Assert.That(problem.RetryAfter, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(_app.Server.Counters.FailedLogins, Is.EqualTo(1 + 4), "the first try and Sql__OpenRetries (4) retries");
    }

    [Test]
    public void A_timer_invocation_gets_the_transient_error_itself_so_the_Functions_retry_policy_applies()
    {
        _app.Server.Faults.FailNextLogins(40613, count: 100);

        var thrown = Assert.CatchAsync(() => _app.InvokeAsync(async sql => await AppOnPeer.SelectOne(sql), isHttp: false));

        Assert.That(AzureSqlFunctions.Sql.SqlFailureClassifier.Classify(thrown!), Is.EqualTo(AzureSqlFunctions.Sql.SqlFailureKind.Transient));
    }

    [Test]
    public async Task A_deadlock_inside_a_unit_of_work_rolls_back_and_answers_503()
    {
        _app.Server.Handle("UPDATE", SqlResponse.Error(1205, "Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.", 13));

        var problem = await _app.InvokeAsync(async sql =>
        {
            await sql.BeginUnitOfWorkAsync();
            await using var update = new SqlCommand("UPDATE dbo.Todos SET IsDone = 1", await sql.GetOpenConnectionAsync(), sql.Transaction);
            await update.ExecuteNonQueryAsync();
        });

        Assert.That(problem?.Status, Is.EqualTo(503));
        Assert.That(_app.Server.Counters.TransactionsCommitted, Is.Zero);
        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(_app.Server.Counters.OpenSessions, Is.EqualTo(1));
    }
}
