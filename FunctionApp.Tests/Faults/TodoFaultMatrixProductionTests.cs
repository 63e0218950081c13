using System.Diagnostics;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Todos;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>
/// The fault matrix's cases that depend on production defaults (issue 11): the peer is reached as infra connects
/// (<c>Connect Timeout=30</c>, SqlClient's own <c>ConnectRetryCount</c> left at its default) and the app keeps its
/// default timeouts, unless a case names the one setting it shortens to stay quick. Token faults go through the real
/// <c>ManagedIdentityCredential</c> and the managed-identity endpoint. Each case asserts the HTTP answer, the data and
/// what the peers saw.
/// </summary>
internal sealed class TodoFaultMatrixProductionTests : TodoApiFixture
{
    /// <summary>How infra connects; no pool blocking period, which Auto gives Azure SQL host names but not 127.0.0.1.</summary>
    private const string ProductionOptions = "Connect Timeout=30;Pool Blocking Period=NeverBlock;";

    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(45);

    [SetUp]
    public void Allow() => Peer.Server.AllowPrincipal(Peer.Principal.ObjectId);

    [TearDown]
    public void ClearPools() => SqlConnection.ClearAllPools();

    // ---- Tokens (items 1-5) ----

    [Test]
    public async Task Item1_a_slow_identity_endpoint_answers_503_token_unavailable_within_the_token_request_timeout()
    {
        await using var peers = AppPeers.Start();
        var table = new TodoTable();
        table.ServeOn(peers.Server);
        var endpoint = await peers.StartManagedIdentityAsync();
        endpoint.Faults.Delay = TimeSpan.FromMinutes(2);
        var app = peers.App(credential: null, ("Sql__ConnectionString", Production(peers)));

        var clock = Stopwatch.StartNew();
        var answer = await Create(app, Json("""{ "title": "no token" }"""));

        AssertProblem(answer, 503, ProblemTypes.TokenUnavailable);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(25)), "Sql__TokenRequestTimeout (15 s) ends it, not the credential's own ~32 s of retries");
        Assert.That(table.Rows(), Is.Empty);
        Assert.That(peers.Server.Statements, Is.Empty);
    }

    [Test]
    public async Task Item1_SqlClient_cancelling_the_token_callback_at_its_connect_timeout_is_503_token_unavailable_not_500()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        endpoint.Faults.Delay = TimeSpan.FromMinutes(2);
        // Connect Timeout shorter than Sql__TokenRequestTimeout: SqlClient cancels the callback first.
        var app = peers.App(credential: null, ("Sql__ConnectionString", peers.Server.ConnectionString(TdsEncryption.Off) + "Connect Timeout=4;"));

        var clock = Stopwatch.StartNew();
        var answer = await app.SendAsync(TestRequest.Get("/api/todos/1"));

        AssertProblem(answer, 503, ProblemTypes.TokenUnavailable);
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(12)));
        Assert.That(app.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Error), Is.Empty, "a defined 503, not an unexpected failure");
    }

    [Test]
    public async Task Item2_a_credential_call_that_never_returns_does_not_block_the_next_request()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var calls = 0;
        var credential = new ScriptedCredential((_, _) => Interlocked.Increment(ref calls) == 1
            ? new TaskCompletionSource<AccessToken>().Task // never answers, ignores its cancellation
            : Task.FromResult(Issued()));
        var app = Peer.App(credential, time: time, settings: ("Sql__ConnectionString", Production(Peer)));

        var stuck = Create(app, Json("""{ "title": "first" }"""));
        await WaitUntil(() => credential.Requests == 1);
        time.Advance(TimeSpan.FromSeconds(15)); // Sql__TokenRequestTimeout's default
        var first = await stuck.WaitAsync(Bound);
        time.Advance(TimeSpan.FromSeconds(15)); // the back-off after a failure
        var second = await Create(app, Json("""{ "title": "second" }""")).WaitAsync(Bound);

        AssertProblem(first, 503, ProblemTypes.TokenUnavailable);
        Assert.That(second.Status, Is.EqualTo(201), second.Body);
        Assert.That(credential.Requests, Is.EqualTo(2));
        Assert.That(Table.Rows().Select(r => r.Title), Is.EqualTo(new[] { "second" }));
    }

    [Test]
    public async Task Item3_tokens_that_expire_within_the_connect_timeout_are_not_used_so_there_is_no_login_storm()
    {
        var credential = ScriptedCredential.Issuing(() =>
        {
            var issued = Peer.Issuer.Issue(Peer.Principal, lifetime: TimeSpan.FromSeconds(60));
            return new AccessToken(issued.Token, issued.ExpiresOn);
        });
        var app = Peer.App(credential, ("Sql__ConnectionString", Production(Peer)));

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => app.SendAsync(TestRequest.Get("/api/todos"))));

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(503));
        Assert.That(answers.Select(a => a.Json().GetProperty("type").GetString()), Is.All.EqualTo(ProblemTypes.TokenUnavailable));
        Assert.That(Peer.Server.Counters.PhysicalLogins + Peer.Server.Counters.FailedLogins, Is.Zero, "no login with a token SqlClient would refuse");
        Assert.That(credential.Requests, Is.EqualTo(1), "one request, then the back-off");
    }

    [Test]
    public async Task Item4_an_expired_token_and_a_failing_identity_endpoint_make_one_credential_request_for_fifty_callers()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        endpoint.Faults.FailAlways = true;
        var app = peers.App(credential: null, ("Sql__ConnectionString", Production(peers)));

        var first = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.SendAsync(TestRequest.Get("/api/todos/1"))));
        var requestsAfterFirst = endpoint.RequestCount;
        var second = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => app.SendAsync(TestRequest.Get("/api/todos/1"))));

        Assert.That(first.Concat(second).Select(a => a.Json().GetProperty("type").GetString()), Is.All.EqualTo(ProblemTypes.TokenUnavailable));
        Assert.That(requestsAfterFirst, Is.EqualTo(3), "one credential request (the credential's own 1 + 2 tries) for 50 callers");
        Assert.That(endpoint.RequestCount, Is.EqualTo(3), "within the back-off, no request at all");
    }

    [Test]
    public async Task Item5_a_server_naming_another_resource_gets_no_token_and_a_warning_is_logged()
    {
        await using var peers = AppPeers.Start(servicePrincipalName: "https://storage.azure.com/");
        var endpoint = await peers.StartManagedIdentityAsync();
        endpoint.AddAudience("https://storage.azure.com/");
        var app = peers.App(credential: null, ("Sql__ConnectionString", Production(peers)));

        var answer = await app.SendAsync(TestRequest.Get("/api/todos/1"));

        AssertProblem(answer, 503, ProblemTypes.TokenUnavailable);
        Assert.That(endpoint.RequestCount, Is.Zero, "no storage token was fetched");
        var warning = app.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning).Select(r => r.Message).ToList();
        Assert.That(warning, Has.Some.Contains("https://storage.azure.com/").And.Contains("Sql__AllowedTokenResources"));
    }

    // ---- Honest outcomes (items 6-7) ----

    [Test]
    public async Task Item6_the_socket_cut_after_the_insert_is_nothing_saved_and_the_retry_creates_once()
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)));
        Peer.Server.Faults.DropConnectionDuringNextResult(afterRows: 1); // the insert's OUTPUT row goes out, then the socket closes

        var cut = await Create(app, Keyed("retry-after-cut", """{ "title": "cut" }"""));
        var retried = await Create(app, Keyed("retry-after-cut", """{ "title": "cut" }"""));

        AssertProblem(cut, 503, ProblemTypes.DatabaseUnavailable);
        Assert.That(retried.Status, Is.EqualTo(201), retried.Body);
        Assert.That(Table.Rows().Select(r => r.Title), Is.EqualTo(new[] { "cut" }), "the first insert never committed: one row");
    }

    [TestCase(TdsCommitFault.DropAfterCommitting, true)]
    [TestCase(TdsCommitFault.DropBeforeCommitting, false)]
    public async Task Item6_a_commit_whose_answer_is_lost_is_outcome_unknown_and_the_keyed_retry_never_duplicates(TdsCommitFault fault, bool committed)
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)));
        Peer.Server.Faults.FailNextCommit(fault);

        var lost = await Create(app, Keyed("commit-lost", """{ "title": "maybe" }"""));
        var retried = await Create(app, Keyed("commit-lost", """{ "title": "maybe" }"""));

        AssertProblem(lost, 503, ProblemTypes.OutcomeUnknown);
        Assert.That(lost.Headers["Retry-After"], Is.EqualTo("5"));
        Assert.That(lost.Body, Does.Not.Contain("nothing was saved"));
        Assert.That(retried.Status, Is.EqualTo(201), retried.Body);
        Assert.That(retried.Header("Idempotent-Replayed"), committed ? Is.EqualTo("true") : Is.Null);
        Assert.That(Table.Rows().Select(r => r.Title), Is.EqualTo(new[] { "maybe" }), "exactly one row, whatever the commit did");
        Assert.That(retried.Json().GetProperty("id").GetInt64(), Is.EqualTo(Table.Rows().Single().Id));
    }

    [Test]
    public async Task Item6_a_delete_whose_commit_answer_is_lost_is_outcome_unknown_not_nothing_was_saved()
    {
        Table.Add("to delete");
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)));
        Peer.Server.Faults.FailNextCommit(TdsCommitFault.DropAfterCommitting);

        var lost = await Delete(app, "1");

        AssertProblem(lost, 503, ProblemTypes.OutcomeUnknown);
        Assert.That(Table.Find(1)!.DeletedAt, Is.Not.Null, "it was deleted: the answer must not say otherwise");
        Assert.That((await Get(app, "1")).Status, Is.EqualTo(404), "reading tells the client what happened");
    }

    [Test]
    public async Task Item6_the_host_cancelling_during_the_insert_rolls_back_before_saying_nothing_was_saved()
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)));
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Table.BeforeAnswer = request =>
        {
            if (request.Text == TodoSql.Insert)
            {
                running.TrySetResult();
            }
        };
        Peer.Server.Faults.RequestDelay = TimeSpan.Zero;
        Table.AnswerFirst = async (request, cancel) =>
        {
            if (request.Text == TodoSql.RecordCreateRequest)
            {
                await Task.Delay(Timeout.Infinite, cancel); // the insert ran; cancelled before the unit of work ends
            }

            return null;
        };
        using var invocation = new CancellationTokenSource();

        var pending = Create(app, Keyed("cancelled", """{ "title": "cancelled" }"""), invocation.Token);
        await running.Task.WaitAsync(Bound);
        await invocation.CancelAsync();
        var answer = await pending.WaitAsync(Bound);

        AssertProblem(answer, 503, ProblemTypes.RequestCancelled);
        Assert.That(answer.Body, Does.Contain("nothing was saved"));
        Assert.That(Peer.Server.Counters.TransactionsRolledBack, Is.EqualTo(1), "the rollback happened before the answer");
        Assert.That(Table.Rows(), Is.Empty);
    }

    [Test]
    public async Task Item6_the_same_key_with_another_body_is_422_and_creates_nothing()
    {
        var first = await Create(App, Keyed("k-1", """{ "title": "one" }"""));
        var same = await Create(App, Keyed("k-1", """{"title":"  one  "}"""));
        var other = await Create(App, Keyed("k-1", """{ "title": "two" }"""));

        Assert.That(first.Status, Is.EqualTo(201));
        Assert.That(same.Status, Is.EqualTo(201), "the same request, however written");
        Assert.That(same.Json().GetProperty("id").GetInt64(), Is.EqualTo(first.Json().GetProperty("id").GetInt64()));
        Assert.That(same.Headers["ETag"], Is.EqualTo(first.Headers["ETag"]));
        Assert.That(same.Headers["Location"], Is.EqualTo(first.Headers["Location"]));
        AssertProblem(other, 422, ProblemTypes.IdempotencyKeyReused);
        Assert.That(Table.Rows(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Item7_a_commit_the_server_never_answers_is_outcome_unknown_within_the_commit_timeout()
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer))); // Sql__CommitTimeout's default: 10 s
        Peer.Server.Faults.FailNextCommit(TdsCommitFault.StallAfterCommitting);

        var clock = Stopwatch.StartNew();
        var stalled = await Create(app, Keyed("stalled", """{ "title": "stalled" }"""));
        clock.Stop();
        var retried = await Create(app, Keyed("stalled", """{ "title": "stalled" }"""));

        AssertProblem(stalled, 503, ProblemTypes.OutcomeUnknown);
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(9)).And.LessThan(TimeSpan.FromSeconds(25)), "the app's 10 s, not SqlClient's 30 s");
        Assert.That(retried.Header("Idempotent-Replayed"), Is.EqualTo("true"));
        Assert.That(Table.Rows(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Item7_a_rollback_the_server_never_answers_is_outcome_unknown_not_nothing_was_saved()
    {
        var todo = Table.Add("original");
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)), ("Sql__CommitTimeout", "00:00:01"));
        Table.AnswerFirst = (request, _) => ValueTask.FromResult(request.Text == TodoSql.Replace
            ? SqlResponse.Error(1222, "Lock request time out period exceeded.", 16)
            : null);
        Peer.Server.Faults.StallNextRollback();

        var answer = await Replace(app, "1", EntityTag.FromRowVersion(todo.RowVersion), Json("""{ "title": "renamed" }"""));

        AssertProblem(answer, 503, ProblemTypes.OutcomeUnknown);
        Assert.That(Table.Find(1)!.Title, Is.EqualTo("original"));
    }

    // ---- Probes (item 8) ----

    [Test]
    public async Task Item8_the_deep_health_check_keeps_its_timeout_and_names_the_SQL_error()
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)));
        Peer.Server.Faults.FailNextLogins(40613, count: 100);

        var clock = Stopwatch.StartNew();
        var deep = await app.SendAsync(TestRequest.Get("/api/health"));
        var live = await app.SendAsync(TestRequest.Get("/api/health/live"));

        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "Health__CheckTimeout (5 s)");
        Assert.That(deep.Status, Is.EqualTo(503));
        Assert.That(deep.Json().GetProperty("sql").GetProperty("error").GetString(), Is.EqualTo("SQL error 40613"));
        Assert.That(live.Status, Is.EqualTo(200), "liveness does not depend on the database");
    }

    // ---- Retries (item 9) ----

    [Test]
    public async Task Item9_with_SqlClients_default_ConnectRetryCount_each_attempt_is_one_login()
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)), ("Sql__OpenRetries", "2"), ("Sql__OpenRetryDelay", "00:00:00.020"));
        Peer.Server.Faults.FailNextLogins(40613, count: 100);

        var clock = Stopwatch.StartNew();
        var answer = await Create(app, Json("""{ "title": "never" }"""));
        clock.Stop();

        AssertProblem(answer, 503, ProblemTypes.DatabaseUnavailable);
        Assert.That(Peer.Server.Counters.FailedLogins, Is.EqualTo(3), "3 attempts, 3 logins: the driver's own retry (10 s sleeps) is off for the open");
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)));
    }

    [Test]
    public async Task Item9_the_first_retry_waits_the_default_five_seconds()
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)), ("Sql__OpenRetryDelay", new AzureSqlFunctions.Sql.SqlOptions().OpenRetryDelay.ToString()));
        Peer.Server.Faults.FailNextLogins(40613, count: 1);

        var clock = Stopwatch.StartNew();
        var answer = await Create(app, Json("""{ "title": "after one retry" }"""));
        clock.Stop();

        Assert.That(answer.Status, Is.EqualTo(201), answer.Body);
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(5)), "Microsoft's guidance: at least 5 s before the first retry");
        Assert.That(Peer.Server.Counters.FailedLogins, Is.EqualTo(1));
    }

    [Test]
    public async Task Item9_a_busy_database_answers_Retry_After_ten_seconds()
    {
        var app = Peer.App(("Sql__ConnectionString", Production(Peer)), ("Sql__OpenRetries", "0"));
        Peer.Server.Faults.FailNextLogins(40501, count: 1);

        var answer = await app.SendAsync(TestRequest.Get("/api/todos"));

        AssertProblem(answer, 503, ProblemTypes.DatabaseUnavailable);
        Assert.That(answer.Headers["Retry-After"], Is.EqualTo("10"), "40501 says: retry after 10 seconds");
    }

    private static string Production(AppPeers peers) => peers.Server.ConnectionString(TdsEncryption.Off) + ProductionOptions;

    private AccessToken Issued()
    {
        var issued = Peer.Issuer.Issue(Peer.Principal);
        return new AccessToken(issued.Token, issued.ExpiresOn);
    }

    private static RequestBody Keyed(string key, string json) => Json(json) with { Key = key };

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "condition not reached within 10 s");
            await Task.Delay(10);
        }
    }
}
