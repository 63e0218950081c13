using System.Diagnostics;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Todos;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>
/// The fault matrix through the real Todo functions: request → middleware → function → SqlClient (the app's retry provider) →
/// TDS peer playing <c>dbo.Todos</c>. Each case asserts the HTTP outcome, what became of the data (the table and the
/// peer's transaction counters), and that no session leaked: after the case the pool drains to zero sessions.
/// </summary>
internal sealed class TodoFaultMatrixTests : TodoApiFixture
{
    /// <summary>Generous for a loaded 2-core CI machine; the app's own bounds are a few seconds.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(15);

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    private AppUnderTest _app = null!;

    [OneTimeSetUp]
    public void StartRetryingApp() => _app = Peer.App(
        ("Sql__ConnectionString", Peer.ConnectionString(extra: "Max Pool Size=8;")),
        ("Sql__OpenRetries", "4"),
        ("Sql__OpenRetryDelay", "00:00:00.020"));

    [SetUp]
    public async Task StartWithoutSessions()
    {
        Peer.Server.AllowPrincipal(Peer.Principal.ObjectId);
        await Drained();
        Peer.Server.ResetCounters();
    }

    [TestCase(40613)]
    [TestCase(40501)]
    [TestCase(4060)]
    [TestCase(49918)]
    public async Task Transient_login_errors_twice_then_success_create_once_and_list_it(int number)
    {
        Peer.Server.Faults.FailNextLogins(number, count: 2);
        var created = await Create(_app, Json("""{ "title": "survives the failover" }"""));

        SqlConnection.ClearAllPools(); // the list needs a new login, which fails twice too
        Peer.Server.Faults.FailNextLogins(number, count: 2);
        var listed = await List(_app);

        Assert.That(created.Status, Is.EqualTo(201), created.Body);
        Assert.That(listed.Status, Is.EqualTo(200), listed.Body);
        Assert.That(Table.Rows().Select(r => r.Title), Is.EqualTo(new[] { "survives the failover" }), "committed exactly once");
        Assert.That(Sent(TodoSql.Insert), Has.Count.EqualTo(1), "the insert ran once: only the open was retried");
        Assert.That(listed.Json().GetProperty("items").GetArrayLength(), Is.EqualTo(1));
        Assert.That(Peer.Server.Counters.FailedLogins, Is.EqualTo(4));
        await AssertNoSessionLeaked();
    }

    [TestCase(40613)]
    [TestCase(40501)]
    [TestCase(4060)]
    [TestCase(49918)]
    public async Task Persisting_login_errors_answer_503_with_Retry_After_in_bounded_time_and_write_nothing(int number)
    {
        Peer.Server.Faults.FailNextLogins(number, count: 100);

        var clock = Stopwatch.StartNew();
        var result = await Create(_app, Json("""{ "title": "never stored" }"""));
        clock.Stop();

        AssertUnavailable(result, ProblemTypes.DatabaseUnavailable);
        Assert.That(clock.Elapsed, Is.LessThan(Bound));
        Assert.That(Peer.Server.Counters.FailedLogins, Is.EqualTo(1 + 4), "the first try and Sql__OpenRetries (4) retries");
        Assert.That(Peer.Server.Statements, Is.Empty);
        Assert.That(Table.Rows(), Is.Empty);
        await AssertNoSessionLeaked();
    }

    [Test]
    public async Task A_refused_identity_answers_503_authentication_failed_with_one_login_per_invocation()
    {
        Table.Add("existing");
        Peer.Server.DisallowPrincipal(Peer.Principal.ObjectId); // the peer answers 18456, as for a missing contained user

        var results = new[]
        {
            await Create(_app, Json("""{ "title": "refused" }""")),
            await Get(_app, "1"),
            await List(_app),
        };

        Assert.Multiple(() =>
        {
            foreach (var result in results)
            {
                AssertUnavailable(result, ProblemTypes.AuthenticationFailed);
            }
        });
        Assert.That(Peer.Server.Counters.FailedLogins, Is.EqualTo(results.Length), "not retried: one login per invocation, no storm");
        Assert.That(Peer.Server.Statements, Is.Empty);

        Peer.Server.AllowPrincipal(Peer.Principal.ObjectId);
        Assert.That((await Create(_app, Json("""{ "title": "granted" }"""))).Status, Is.EqualTo(201), "works again once granted");
        await AssertNoSessionLeaked();
    }

    [Test]
    public async Task A_connection_dropped_mid_result_on_the_list_answers_503_and_the_next_list_works()
    {
        for (var i = 0; i < 30; i++)
        {
            Table.Add($"todo {i}");
        }

        Peer.Server.Faults.DropConnectionDuringNextResult(afterRows: 5);
        var dropped = await List(_app, limit: "25");
        var next = await List(_app, limit: "25");

        AssertUnavailable(dropped, ProblemTypes.DatabaseUnavailable);
        Assert.That(next.Status, Is.EqualTo(200));
        Assert.That(next.Json().GetProperty("items").GetArrayLength(), Is.EqualTo(25));
        Assert.That(Peer.Server.Counters.PhysicalLogins, Is.EqualTo(2), "the broken session was not handed out again");
        Assert.That(Peer.Server.Counters.OpenSessions, Is.EqualTo(1));
        await AssertNoSessionLeaked();
    }

    [TestCase(0, TestName = "Replace dropped before its row")]
    [TestCase(1, TestName = "Replace dropped after its row")]
    public async Task A_connection_dropped_during_the_replace_answers_503_rolls_back_and_leaves_the_todo_unchanged(int afterRows)
    {
        var todo = Table.Add("original");
        var etag = EntityTag.FromRowVersion(todo.RowVersion);
        // Answered before the table applies it: rows, then a fatal (severity 20) error, on which SqlClient breaks the
        // connection as it would for a cut socket. (The peer's own DropConnectionDuringNextResult would let the table
        // apply the update first, and the table is not transactional.)
        Table.AnswerFirst = (request, _) => ValueTask.FromResult<SqlResponse?>(request.Text == TodoSql.Replace
            ? SqlResponse.Rows(TodoTable.Columns, NeverStoredRows(afterRows)).ThenError(10054, "fault: connection dropped mid-result", 20)
            : null);

        var result = await Replace(_app, "1", etag, """{ "title": "renamed" }""");

        AssertUnavailable(result, ProblemTypes.DatabaseUnavailable);
        // The client breaks the connection on the fatal error; the server counts the rollback when it sees the close.
        await Peer.Server.Counters.WaitUntilAsync(c => c.TransactionsRolledBack >= 1, TimeSpan.FromSeconds(5));
        Assert.That(Peer.Server.Counters.TransactionsCommitted, Is.Zero);
        Assert.That(Peer.Server.Counters.TransactionsRolledBack, Is.EqualTo(1), "the session ended with its transaction open");
        Table.AnswerFirst = null;
        await AssertUnchanged(todo.Id, "original", etag);
        await AssertNoSessionLeaked();
    }

    [Test]
    public async Task A_statement_error_in_the_replace_propagates_rolls_back_and_leaves_the_todo_unchanged()
    {
        var todo = Table.Add("original");
        var etag = EntityTag.FromRowVersion(todo.RowVersion);
        Peer.Server.Faults.FailNextStatement(547, "The UPDATE statement conflicted with the CHECK constraint \"CK_Todos_Title_NotBlank\".");

        var failure = await Replace(_app, "1", etag, """{ "title": "renamed" }""");

        AssertProblem(failure, 500, ProblemTypes.InternalError); // a bug or schema mismatch is not hidden behind a 503
        Assert.That(_app.Logs.GetSnapshot().Select(r => r.Exception), Has.Some.Matches<Exception?>(e => e is SqlException { Number: 547 }), "and is logged");
        Assert.That(Peer.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
        Assert.That(Peer.Server.Counters.TransactionsCommitted, Is.Zero);
        await AssertUnchanged(todo.Id, "original", etag);
        Assert.That(Peer.Server.Counters.PhysicalLogins, Is.EqualTo(1), "the session went back to the pool and was reused");
        await AssertNoSessionLeaked();
    }

    [TestCase(TodoSql.Replace, TestName = "Deadlock on the update")]
    [TestCase(TodoSql.CountLive, TestName = "Deadlock on the 404-or-412 follow-up")]
    public async Task A_deadlock_during_replace_rolls_back_answers_503_and_leaks_nothing(string victim)
    {
        var todo = Table.Add("original");
        var etag = EntityTag.FromRowVersion(todo.RowVersion);
        var sentEtag = victim == TodoSql.Replace ? etag : "\"" + Convert.ToBase64String(new byte[8]) + "\"";
        Table.AnswerFirst = (request, _) => ValueTask.FromResult(request.Text == victim ? Deadlock() : null);

        var result = await Replace(_app, "1", sentEtag, """{ "title": "renamed" }""");

        AssertUnavailable(result, ProblemTypes.DatabaseUnavailable);
        Assert.That(Sent(victim).Single().TransactionDescriptor, Is.Not.Null, "inside the unit of work");
        Assert.That(Peer.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
        Assert.That(Peer.Server.Counters.TransactionsCommitted, Is.Zero);
        Table.AnswerFirst = null;
        await AssertUnchanged(todo.Id, "original", etag);
        Assert.That(Peer.Server.Counters.PhysicalLogins, Is.EqualTo(1), "the victim's session was reused");
        await AssertNoSessionLeaked();
    }

    [TestCase("GET", TodoSql.GetById)]
    [TestCase("LIST", TodoSql.List)]
    [TestCase("POST", TodoSql.Insert)]
    [TestCase("PUT", TodoSql.Replace)]
    [TestCase("DELETE", TodoSql.SoftDelete)]
    public async Task Cancelling_the_invocation_mid_query_sends_attention_and_answers_503_request_cancelled(string method, string statement)
    {
        var todo = Table.Add("original");
        var etag = EntityTag.FromRowVersion(todo.RowVersion);
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Table.AnswerFirst = async (request, cancel) =>
        {
            if (request.Text != statement)
            {
                return null;
            }

            running.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancel); // until the client's attention arrives
            return null;
        };
        using var invocation = new CancellationTokenSource();

        var pending = Run(method, etag, invocation.Token);
        await running.Task.WaitAsync(Bound);
        await invocation.CancelAsync();
        var result = await pending.WaitAsync(Bound);

        AssertUnavailable(result, ProblemTypes.RequestCancelled);
        await WaitUntil(() => Peer.Server.Counters.Attentions == 1);
        Assert.That(Peer.Server.Counters.TransactionsCommitted, Is.Zero);
        Table.AnswerFirst = null;
        Assert.That(Table.Rows(), Has.Count.EqualTo(1), "nothing created");
        await AssertUnchanged(todo.Id, "original", etag);
        await AssertNoSessionLeaked();
    }

    [Test]
    public async Task An_exhausted_pool_answers_503_within_the_connect_timeout_and_the_holders_finish()
    {
        Table.Add("held");
        var small = Peer.App(("Sql__ConnectionString", Peer.ConnectionString(extra: "Max Pool Size=2;Connect Timeout=2;")));
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Table.AnswerFirst = async (request, cancel) =>
        {
            if (request.Text == TodoSql.GetById)
            {
                await release.Task.WaitAsync(cancel);
            }

            return null;
        };
        var holders = new[] { Get(small, "1"), Get(small, "1") };
        await WaitUntil(() => Sent(TodoSql.GetById).Count == 2);

        var clock = Stopwatch.StartNew();
        var starved = await Create(small, Json("""{ "title": "no room" }"""));
        clock.Stop();
        release.SetResult();
        var held = await Task.WhenAll(holders).WaitAsync(Bound);

        AssertUnavailable(starved, ProblemTypes.ConnectionPoolExhausted);
        Assert.That(clock.Elapsed, Is.LessThan(Bound));
        Assert.That(Sent(TodoSql.Insert), Is.Empty);
        Assert.That(held.Select(r => r.Status), Is.All.EqualTo(200));
        Assert.That(Peer.Server.Counters.OpenSessions, Is.EqualTo(2), "both holders' sessions are back in the pool");
        await AssertNoSessionLeaked();
    }

    /// <summary>Rows of a todo that is not in the table, then the peer's session ends (enumerating throws).</summary>
    private static IEnumerable<object?[]> NeverStoredRows(int rows)
    {
        var now = DateTimeOffset.UnixEpoch;
        for (var i = 0; i < rows; i++)
        {
            yield return [1L, "never stored", null, null, false, now, now, new byte[8]];
        }
    }

    private static SqlResponse Deadlock() => SqlResponse.Error(
        1205, "Transaction (Process ID 52) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.", 13);

    private Task<HttpAnswer> Run(string method, string etag, CancellationToken cancellation) => method switch
    {
        "GET" => _app.SendAsync(TestRequest.Get("/api/todos/1"), cancellation),
        "LIST" => _app.SendAsync(TestRequest.Get("/api/todos"), cancellation),
        "POST" => Create(_app, Json("""{ "title": "cancelled" }"""), cancellation),
        "PUT" => Replace(_app, "1", etag, Json("""{ "title": "cancelled" }"""), cancellation),
        "DELETE" => Delete(_app, "1", cancellation),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    private static Task<HttpAnswer> List(AppUnderTest app, string? limit = null) => TodoApiFixture.List(app, limit: limit);

    private static Task<HttpAnswer> Replace(AppUnderTest app, string id, string etag, string json) => Replace(app, id, etag, Json(json));

    private static void AssertUnavailable(HttpAnswer result, string type)
    {
        AssertProblem(result, 503, type);
        Assert.That(int.Parse(result.Headers["Retry-After"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
    }

    /// <summary>Read back through the API: the todo still has its old title and ETag.</summary>
    private async Task AssertUnchanged(long id, string title, string etag)
    {
        var read = await Get(_app, id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(read.Status, Is.EqualTo(200), read.Body);
        Assert.That(read.Json().GetProperty("title").GetString(), Is.EqualTo(title));
        Assert.That(read.Headers["ETag"], Is.EqualTo(etag));
    }

    /// <summary>Every invocation is over, so every session is idle in a pool: clearing the pools must close them all.</summary>
    private async Task AssertNoSessionLeaked()
    {
        Assert.That(Peer.Server.Counters.OpenSessions, Is.LessThanOrEqualTo(8), "at most the pool's size");
        await Drained();
    }

    private async Task Drained()
    {
        SqlConnection.ClearAllPools();
        await WaitUntil(() => Peer.Server.Counters.OpenSessions == 0);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "condition not reached within 5 s");
            await Task.Delay(10);
        }
    }
}
