using AzureSqlFunctions.Http;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Maintenance;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Todos;
using AzureSqlFunctions.Middleware;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>
/// The session context protocol as the TDS peer sees it, through the app's real middleware: every logical connection
/// an invocation opens begins with <c>sp_set_session_context</c> (read-only) naming whom it serves — the caller's owner
/// id, or the purge job's cutoffs — before any other statement, and every later statement runs under exactly that. A
/// pooled physical session handed to the next caller is reset (RESETCONNECTION), then identified anew, before the next
/// caller's statements; had a reset ever kept the old context, the read-only key would refuse the new caller before
/// anything ran as the previous one.
/// </summary>
internal sealed class InvocationSessionContextTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);

    private readonly TodoTable _table = new();
    private readonly DeletedTodos _deleted = new();
    private readonly TestPrincipal _alice = TestPrincipal.Create("alice@contoso.com");
    private readonly TestPrincipal _bob = TestPrincipal.Create("bob@contoso.com");
    private AppPeers _peers = null!;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    private AppUnderTest _app = null!;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    private AppUnderTest _onePooledSession = null!;

    private TdsServer Server => _peers.Server;

    [OneTimeSetUp]
    public void Start()
    {
        _peers = AppPeers.Start();
        _table.ServeOn(_peers.Server);
        _deleted.ServeOn(_peers.Server);
        _app = _peers.App(("Sql__OpenRetries", "0"));
        // One physical session for every invocation: each one after the first reuses it.
        _onePooledSession = _peers.App(("Sql__OpenRetries", "0"), ("Sql__ConnectionString", _peers.ConnectionString(extra: "Max Pool Size=1;")));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _peers.DisposeAsync();

    [SetUp]
    public void Reset()
    {
        // The one-session pool starts empty in each test, so its first invocation logs in afresh.
        using (var connection = _onePooledSession.Services.GetRequiredService<SqlConnectionFactory>().Create())
        {
            SqlConnection.ClearPool(connection);
        }

        _table.Clear();
        _deleted.Reset();
        Server.Faults.Clear();
        Server.ResetCounters();
    }

    [Test]
    public async Task Every_connection_an_invocation_opens_says_whom_it_serves_before_any_other_statement()
    {
        Assert.That((await Send(_alice, TestRequest.Post("/api/todos", """{ "title": "alice's" }"""))).Status, Is.EqualTo(201));
        Assert.That((await Send(_bob, TestRequest.Post("/api/todos", """{ "title": "bob's" }""").WithHeader("Idempotency-Key", "\"b\""))).Status, Is.EqualTo(201));
        Assert.That((await Send(_alice, TestRequest.Get("/api/todos"))).Status, Is.EqualTo(200));
        Assert.That((await Send(_bob, TestRequest.Get("/api/todos/2"))).Status, Is.EqualTo(200));
        Assert.That((await Send(_alice, TestRequest.Delete("/api/todos/1"))).Status, Is.EqualTo(204));
        Assert.That((await Send(_alice, TestRequest.Get("/api/health"))).Status, Is.EqualTo(200));
        // Four lists at once, held until all four are at the server: four physical sessions.
        var atServer = 0;
        var allThere = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _table.AnswerFirst = async (request, cancel) =>
        {
            if (request.Text == TodoSql.List && Interlocked.Increment(ref atServer) == 4)
            {
                allThere.TrySetResult();
            }

            if (request.Text == TodoSql.List)
            {
                await allThere.Task.WaitAsync(TimeSpan.FromSeconds(20), cancel);
            }

            return null;
        };
        var concurrent = await Task.WhenAll(new[] { _alice, _bob, _alice, _bob }.Select(user => Send(user, TestRequest.Get("/api/todos"))));
        Assert.That(concurrent.Select(a => a.Status), Is.All.EqualTo(200));

        var connections = LogicalConnection.Of(Server.Statements);
        var alice = _app.SignIn.OwnerIdOf(_alice);
        var bob = _app.SignIn.OwnerIdOf(_bob);
        Assert.Multiple(() =>
        {
            Assert.That(connections.Select(c => c.Declared[SessionContext.OwnerIdKey].Value), Is.EquivalentTo(new[] { alice, bob, alice, bob, alice, alice, alice, bob, alice, bob }),
                "one logical connection per invocation, each naming its caller:\n" + string.Join("\n", connections));
            Assert.That(connections.SelectMany(c => c.Declared.Values).Select(d => d.ReadOnly), Is.All.True, "@read_only = 1");
            Assert.That(connections.Select(c => c.SessionId).Distinct().Count(), Is.GreaterThanOrEqualTo(4), "several physical sessions");
            Assert.That(connections.Count(c => c.Reused), Is.GreaterThanOrEqualTo(1), "and pooled reuse");
            foreach (var connection in connections)
            {
                var owner = connection.Declared[SessionContext.OwnerIdKey].Value;
                Assert.That(connection.Declared.Keys, Is.EqualTo(new[] { SessionContext.OwnerIdKey }), connection.ToString());
                Assert.That(connection.Rest, Is.Not.Empty, connection.ToString());
                Assert.That(connection.Rest.Select(s => s.IsSessionContextCall), Is.All.False, "set once, first");
                Assert.That(connection.Rest.Select(s => s.SessionContext), Is.All.EqualTo(new Dictionary<string, object?> { [SessionContext.OwnerIdKey] = owner }), connection.ToString());
                Assert.That(connection.Rest.Where(s => s.Text != HealthSql()).Select(s => s.Parameters.Single(p => p.Name == "@OwnerId").Value), Is.All.EqualTo(owner),
                    "each statement's own owner filter names the owner its session serves");
            }
        });
    }

    [Test]
    public async Task A_pooled_session_reused_by_the_next_caller_is_reset_and_identified_before_their_statements()
    {
        _table.Add("bob's", owner: _app.SignIn.OwnerIdOf(_bob));

        var first = await Send(_onePooledSession, _alice, TestRequest.Get("/api/todos"));
        var second = await Send(_onePooledSession, _bob, TestRequest.Get("/api/todos"));
        var third = await Send(_onePooledSession, _alice, TestRequest.Get("/api/todos/1"));

        var connections = LogicalConnection.Of(Server.Statements);
        var alice = _app.SignIn.OwnerIdOf(_alice);
        var bob = _app.SignIn.OwnerIdOf(_bob);
        Assert.Multiple(() =>
        {
            Assert.That((first.Status, second.Status, third.Status), Is.EqualTo((200, 200, 404)));
            Assert.That(second.Json().GetProperty("items").GetArrayLength(), Is.EqualTo(1), "Bob sees his todo");
            Assert.That(Server.Counters.PhysicalLogins, Is.EqualTo(1), "one physical session served all three");
            Assert.That(Server.Counters.ResetConnections, Is.EqualTo(2));
            Assert.That(connections.Select(c => c.SessionId).Distinct().Count(), Is.EqualTo(1));
            Assert.That(connections.Select(c => c.Reused), Is.EqualTo(new[] { false, true, true }));
            Assert.That(connections.Select(c => c.Declared[SessionContext.OwnerIdKey].Value), Is.EqualTo(new[] { alice, bob, alice }));
            Assert.That(connections.Select(c => c.Statements[0].IsSessionContextCall), Is.All.True, "the reset request is the context call itself");
            Assert.That(connections.Select(c => c.Statements[0].SessionContext), Is.All.Empty, "the reset cleared the previous caller's read-only key before the new set");
            Assert.That(connections[1].Rest.Select(s => s.SessionContext[SessionContext.OwnerIdKey]), Is.All.EqualTo(bob), "Bob's statements ran as Bob only");
            Assert.That(connections[2].Rest.Select(s => s.SessionContext[SessionContext.OwnerIdKey]), Is.All.EqualTo(alice));
        });
    }

    [Test]
    public async Task Had_a_reset_kept_the_previous_callers_context_the_next_caller_is_refused_before_anything_runs()
    {
        _table.Add("alice's", owner: _app.SignIn.OwnerIdOf(_alice));
        Assert.That((await Send(_onePooledSession, _alice, TestRequest.Get("/api/todos"))).Status, Is.EqualTo(200));
        Server.Faults.KeepSessionContextOnNextReset();

        var bobs = await Send(_onePooledSession, _bob, TestRequest.Get("/api/todos"));
        var alicesNext = await Send(_onePooledSession, _alice, TestRequest.Get("/api/todos"));

        var connections = LogicalConnection.Of(Server.Statements);
        Assert.Multiple(() =>
        {
            Assert.That(bobs.Status, Is.EqualTo(500), bobs.Body);
            Assert.That(bobs.Json().GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.InternalError));
            Assert.That(bobs.Body, Does.Not.Contain("alice's"));
            Assert.That(connections[1].Statements.Select(s => s.IsSessionContextCall), Is.EqualTo(new[] { true }), "nothing ran after the refused set");
            Assert.That(connections[1].Statements[0].SessionContext[SessionContext.OwnerIdKey], Is.EqualTo(_app.SignIn.OwnerIdOf(_alice)), "the session still carried Alice's key");
            Assert.That(_onePooledSession.Logs.GetSnapshot().Select(r => r.Exception?.Message ?? string.Empty), Has.Some.Contains("The key has been set as read_only for this session."));
            Assert.That(alicesNext.Status, Is.EqualTo(200), "a real reset on the next reuse clears it again");
        });
    }

    [Test]
    public async Task A_session_context_that_cannot_be_set_runs_nothing_and_answers_by_its_error()
    {
        Server.Faults.FailNextSessionContext(40613, "Database 'appdb' on server 'localhost' is not currently available.", 20);

        var answer = await Send(_alice, TestRequest.Get("/api/todos"));

        Assert.That(answer.Status, Is.EqualTo(503), answer.Body);
        Assert.That(Server.Statements.Select(s => s.IsSessionContextCall), Is.EqualTo(new[] { true }), "no list ran on a connection that could not say whom it serves");
    }

    [Test]
    public async Task The_purge_declares_its_two_cutoffs_read_only_and_no_owner_before_any_delete()
    {
        _deleted.Add(3, Now.AddDays(-40));
        _deleted.ExpiredKeys!.Add(2, Now.AddHours(-30));
        var app = _peers.App(_peers.IssuingCredential(), time: new FakeTimeProvider(Now), settings: ("Sql__OpenRetries", "0"));

        await app.InvokeTimerAsync("PurgeDeletedTodos");

        var connection = LogicalConnection.Of(Server.Statements).Single();
        var todosCutoff = Now.AddDays(-30);
        var keysCutoff = Now.AddHours(-24);
        Assert.Multiple(() =>
        {
            Assert.That(connection.Declared, Is.EquivalentTo(new Dictionary<string, (object?, bool)>
            {
                [SessionContext.PurgeDeletedBeforeKey] = (todosCutoff, true),
                [SessionContext.PurgeCreatedBeforeKey] = (keysCutoff, true),
            }));
            Assert.That(connection.Rest.Select(s => s.Text), Is.EqualTo(new[] { PurgeSql.DeleteBatch, PurgeSql.DeleteExpiredCreateRequests }));
            Assert.That(connection.Rest.Select(s => s.SessionContext.ContainsKey(SessionContext.OwnerIdKey)), Is.All.False, "the job is nobody");
            Assert.That(connection.Rest.Select(s => s.Parameters.Single(p => p.Name == "@Cutoff").Value), Is.EqualTo(new object[] { todosCutoff, keysCutoff }),
                "its statements' cutoffs are the ones its session declared");
            Assert.That((_deleted.Count, _deleted.ExpiredKeys.Count), Is.EqualTo((0, 0)));
        });
    }

    [Test]
    public async Task A_context_is_declared_once_before_the_connection_opens_and_a_callers_can_never_be_replaced()
    {
        var purge = SessionContext.ForPurge(Now, Now, TimeSpan.FromSeconds(5));
        Exception? twice = null;
        Exception? afterOpen = null;
        Exception? overCaller = null;

        await _app.RunTimerAsync(sql =>
        {
            sql.UseSessionContext(purge);
            twice = Assert.Throws<InvalidOperationException>(() => sql.UseSessionContext(purge));
            return Task.CompletedTask;
        });
        await _app.RunTimerAsync(async sql =>
        {
            await sql.GetOpenConnectionAsync();
            afterOpen = Assert.Throws<InvalidOperationException>(() => sql.UseSessionContext(purge));
        });
        var answer = await _app.RunHttpAsync(Signed(_alice, TestRequest.Get("/api/test")), context =>
        {
            overCaller = Assert.Throws<InvalidOperationException>(() => context.GetInvocationConnection().UseSessionContext(purge));
            return Task.FromResult<IResult?>(null);
        });

        Assert.That(twice?.Message, Does.Contain("never changes"));
        Assert.That(afterOpen?.Message, Does.Contain("before the invocation's connection opens"));
        Assert.That(overCaller?.Message, Does.Contain("never changes"));
        Assert.That(answer.Status, Is.EqualTo(204));
    }

    private static string HealthSql() => AzureSqlFunctions.Health.HealthSql.Ping;

    private Task<HttpAnswer> Send(TestPrincipal user, TestRequest request) => Send(_app, user, request);

    private static Task<HttpAnswer> Send(AppUnderTest app, TestPrincipal user, TestRequest request) => app.SendAsync(Signed(app, user, request));

    private TestRequest Signed(TestPrincipal user, TestRequest request) => Signed(_app, user, request);

    private static TestRequest Signed(AppUnderTest app, TestPrincipal user, TestRequest request) =>
        request.WithHeader("Authorization", "Bearer " + app.SignIn.UserToken(user));
}
