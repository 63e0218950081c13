using System.Data;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Tests.Middleware;

/// <summary>
/// The unit of work end to end: an invocation through the real <see cref="UnitOfWorkMiddleware"/> → real SqlClient →
/// the TDS peer. Ad-hoc functions (HTTP or timer) do exactly what each test needs with the invocation's connection.
/// </summary>
public sealed class UnitOfWorkMiddlewareTests
{
    private AppPeers _peers = null!;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    private AppUnderTest _app = null!;

    private TdsServer Server => _peers.Server;

    [SetUp]
    public void SetUp()
    {
        _peers = AppPeers.Start();
        _app = _peers.App();
    }

    [TearDown]
    public async Task TearDown() => await _peers.DisposeAsync();

    [Test]
    public async Task An_invocation_that_never_touches_SQL_opens_nothing_and_its_connection_is_gone_afterwards()
    {
        using var notOpened = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), SqlMetrics.MeterName, "sql.invocation.connections_not_opened");
        InvocationConnection? seen = null;

        var answer = await _app.RunHttpAsync(sql =>
        {
            seen = sql;
            return Task.FromResult<IResult?>(TypedResults.Ok("done"));
        });

        Assert.That(answer.Status, Is.EqualTo(200));
        Assert.That(Server.Counters.PhysicalLogins, Is.Zero);
        notOpened.RecordObservableInstruments(); // an observable counter reports its total when collected
        Assert.That(notOpened.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1));
        Assert.That(seen!.IsOpened, Is.False);
        Assert.ThrowsAsync<ObjectDisposedException>(() => seen.GetOpenConnectionAsync(), "disposed when the invocation ended");
    }

    [Test]
    public async Task A_function_that_asks_for_its_connection_after_an_await_gets_one_that_ends_with_the_invocation()
    {
        InvocationConnection? seen = null;

        var answer = await _app.RunHttpAsync(TestRequest.Get("/api/test"), async context =>
        {
            await Task.Yield();
            seen = context.GetInvocationConnection();
            Assert.That(context.GetInvocationConnection(), Is.SameAs(seen), "asking again gives the same one");
            await AppUnderTest.SelectOne(seen);
            return null;
        });

        Assert.That(answer.Status, Is.EqualTo(204));
        Assert.That(Server.Counters.PhysicalLogins, Is.EqualTo(1));
        Assert.ThrowsAsync<ObjectDisposedException>(() => seen!.GetOpenConnectionAsync(), "disposed when the invocation ended");
    }

    [Test]
    public async Task Asking_for_a_connection_after_the_invocation_ended_is_refused()
    {
        Microsoft.Azure.Functions.Worker.FunctionContext? finished = null;

        await _app.RunHttpAsync(TestRequest.Get("/api/test"), context =>
        {
            finished = context;
            return Task.FromResult<IResult?>(null);
        });

        var refused = Assert.Throws<InvalidOperationException>(() => finished!.GetInvocationConnection());
        Assert.That(refused!.Message, Does.Contain("has no invocation connection"));
        Assert.That(Server.Counters.PhysicalLogins, Is.Zero);
    }

    [Test]
    public async Task Each_invocation_gets_its_own_connection_and_asking_twice_in_one_gives_the_same_open_one()
    {
        var seen = new List<InvocationConnection>();
        SqlConnection? first = null, second = null;
        for (var i = 0; i < 2; i++)
        {
            await _app.RunTimerAsync(async sql =>
            {
                seen.Add(sql);
                first = await sql.GetOpenConnectionAsync();
                second = await sql.GetOpenConnectionAsync();
            });
        }

        Assert.That(seen[0], Is.Not.SameAs(seen[1]));
        Assert.That(second, Is.SameAs(first));
        Assert.That(first!.State, Is.EqualTo(ConnectionState.Closed), "disposed at the end of the invocation");
        Assert.That(Server.Counters.PhysicalLogins, Is.EqualTo(1));
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
            Assert.That(Server.Counters.PhysicalLogins, Is.EqualTo(1));
            Assert.That(Server.Counters.ResetConnections, Is.EqualTo(99), "every reuse resets the session");
            Assert.That(Server.Counters.Statements, Is.EqualTo(100));
            Assert.That(Server.Counters.OpenSessions, Is.EqualTo(1), "the one session waits in the pool");
        });
    }

    [Test]
    public async Task A_unit_of_work_commits_when_the_invocation_succeeds()
    {
        Server.Handle("INSERT", SqlResponse.Affected(1));

        var answer = await _app.RunHttpAsync(async sql =>
        {
            await InsertInUnitOfWork(sql, "write it down");
            return null;
        });

        Assert.That(answer.Status, Is.EqualTo(204));
        Assert.That(Server.Counters.TransactionsCommitted, Is.EqualTo(1));
        Assert.That(Server.Counters.TransactionsRolledBack, Is.Zero);
        Assert.That(Server.Statements.Single(s => !s.IsSessionContextCall).TransactionDescriptor, Is.Not.Null, "the INSERT ran inside the transaction");
    }

    [Test]
    public async Task A_bug_in_an_http_function_after_writing_rolls_back_answers_500_without_detail_and_is_logged()
    {
        Server.Handle("INSERT", SqlResponse.Affected(1));

        var answer = await _app.RunHttpAsync(async sql =>
        {
            await InsertInUnitOfWork(sql, "half done");
            throw new InvalidOperationException("bug after the write: secret detail");
        });

        Assert.That(answer.Status, Is.EqualTo(500), answer.Body);
        Assert.That(answer.ContentType, Is.EqualTo("application/problem+json"));
        var problem = answer.Json();
        Assert.That(problem.GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.InternalError));
        Assert.That(problem.GetProperty("invocationId").GetString(), Is.Not.Empty);
        Assert.That(answer.Body, Does.Not.Contain("secret detail").And.Not.Contain("InvalidOperationException"));
        var logged = _app.Logs.GetSnapshot().Single(r => r.Level == LogLevel.Error);
        Assert.That(logged.Exception?.Message, Is.EqualTo("bug after the write: secret detail"));
        Assert.That(logged.Message, Does.Contain(problem.GetProperty("invocationId").GetString()));
        Assert.That(Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
        Assert.That(Server.Counters.TransactionsCommitted, Is.Zero);

        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(Server.Counters.PhysicalLogins, Is.EqualTo(1), "the session was reused, not leaked");
        Assert.That(Server.Counters.OpenSessions, Is.EqualTo(1));
    }

    [Test]
    public async Task A_cancelled_invocation_sends_attention_answers_503_not_500_and_rolls_back()
    {
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Server.Handle(async (request, cancel) =>
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

        var pending = _app.RunHttpAsync(
            async sql =>
            {
                await sql.BeginUnitOfWorkAsync();
                await using var slow = new SqlCommand("WAITFOR DELAY '00:10:00'", await sql.GetOpenConnectionAsync(), sql.Transaction);
                await slow.ExecuteNonQueryAsync(sql.CancellationToken);
                return null;
            },
            invocation.Token);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await invocation.CancelAsync();
        var answer = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        AssertUnavailable(answer, ProblemTypes.RequestCancelled);
        Assert.That(Server.Counters.Attentions, Is.EqualTo(1));
        Assert.That(Server.Counters.TransactionsCommitted, Is.Zero);
        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1), "the next invocation works");
    }

    [Test]
    public async Task A_cancelled_invocation_whose_function_swallowed_it_commits_nothing()
    {
        Server.Handle("INSERT", SqlResponse.Affected(1));
        using var invocation = new CancellationTokenSource();

        var answer = await _app.RunHttpAsync(
            async sql =>
            {
                await InsertInUnitOfWork(sql, "written, then cancelled");
                await invocation.CancelAsync();
                return TypedResults.Ok();
            },
            invocation.Token);

        AssertUnavailable(answer, ProblemTypes.RequestCancelled);
        await Server.Counters.WaitUntilAsync(c => c.TransactionsRolledBack == 1, TimeSpan.FromSeconds(5));
        Assert.That(Server.Counters.TransactionsCommitted, Is.Zero);
    }

    [Test]
    public async Task A_transient_login_error_twice_then_success_opens_through_the_retry_provider()
    {
        using var retries = new MetricCollector<long>(_app.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), SqlMetrics.MeterName, "sql.connection.open.retries");
        Server.Faults.FailNextLogins(40613, count: 2);

        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1));

        Assert.That(Server.Counters.FailedLogins, Is.EqualTo(2));
        Assert.That(Server.Counters.PhysicalLogins, Is.EqualTo(1));
        Assert.That(retries.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(2));
    }

    [TestCase(40613)]
    [TestCase(40501)]
    [TestCase(4060)]
    [TestCase(49918)]
    public async Task A_login_error_that_persists_answers_an_http_invocation_with_503_and_Retry_After(int number)
    {
        Server.Faults.FailNextLogins(number, count: 100);

        var answer = await _app.RunHttpAsync(async sql =>
        {
            await AppUnderTest.SelectOne(sql);
            return null;
        });

        AssertUnavailable(answer, ProblemTypes.DatabaseUnavailable);
        Assert.That(Server.Counters.FailedLogins, Is.EqualTo(1 + 4), "the first try and Sql__OpenRetries (4) retries");
    }

    [Test]
    public void A_timer_invocation_gets_the_transient_error_itself_so_the_Functions_retry_policy_applies()
    {
        Server.Faults.FailNextLogins(40613, count: 100);

        var thrown = Assert.CatchAsync(() => _app.SelectOneAsync());

        Assert.That(SqlFailureClassifier.Classify(thrown!), Is.EqualTo(SqlFailureKind.Transient));
    }

    [Test]
    public void A_timer_invocations_bug_propagates_unchanged()
    {
        Assert.ThrowsAsync<ArgumentException>(() => _app.RunTimerAsync(_ => throw new ArgumentException("a bug in the job")));
    }

    [Test]
    public async Task A_deadlock_inside_a_unit_of_work_rolls_back_and_answers_503()
    {
        Server.Handle("UPDATE", SqlResponse.Error(1205, "Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.", 13));

        var answer = await _app.RunHttpAsync(async sql =>
        {
            await sql.BeginUnitOfWorkAsync();
            await using var update = new SqlCommand("UPDATE dbo.Todos SET IsDone = 1", await sql.GetOpenConnectionAsync(), sql.Transaction);
            await update.ExecuteNonQueryAsync();
            return null;
        });

        AssertUnavailable(answer, ProblemTypes.DatabaseUnavailable);
        Assert.That(Server.Counters.TransactionsCommitted, Is.Zero);
        Assert.That(await _app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(Server.Counters.OpenSessions, Is.EqualTo(1));
    }

    [Test]
    public void A_context_the_middleware_did_not_run_for_gets_a_clear_error()
    {
        var context = new TestFunctionContext(new TestFunctionDefinition("QueueFunction", "Tests.Queue", "message", "queueTrigger"), _app.Services, new InvocationFeatures(), CancellationToken.None);

        var ex = Assert.Throws<InvalidOperationException>(() => context.GetInvocationConnection());
        Assert.That(ex!.Message, Does.Contain("QueueFunction").And.Contain("HTTP- and timer-triggered"));
    }

    private static async Task InsertInUnitOfWork(InvocationConnection sql, string title)
    {
        var transaction = await sql.BeginUnitOfWorkAsync();
        await using var insert = new SqlCommand("INSERT INTO dbo.Todos (Title) VALUES (@Title)", await sql.GetOpenConnectionAsync(), transaction);
        insert.Parameters.AddWithValue("@Title", title);
        await insert.ExecuteNonQueryAsync();
    }

    private static void AssertUnavailable(HttpAnswer answer, string type)
    {
        Assert.That(answer.Status, Is.EqualTo(503), answer.Body);
        Assert.That(answer.ContentType, Is.EqualTo("application/problem+json"));
        Assert.That(answer.Json().GetProperty("type").GetString(), Is.EqualTo(type));
        Assert.That(int.Parse(answer.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
    }
}
