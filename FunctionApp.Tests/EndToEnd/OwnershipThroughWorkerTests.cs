using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Sql;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.Todos;
using static AzureSqlFunctions.Tests.EndToEnd.WorkerHttp;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// Per-user data through the shipped worker process, signed in as two users of the shared sign-in the worker trusts:
/// Bob cannot read, list, replace or delete Alice's todo (404, never 403) and it stays as it was — with the statements'
/// owner filter and the table's played row-level security each alone, and, with both off, the same requests reach it
/// (so the test can fail). The worker's pool holds one physical session, so every invocation after the first reuses
/// the previous caller's: the TDS peer sees each reset, then the new caller's read-only context, before any todo
/// statement.
/// </summary>
internal sealed class OwnershipThroughWorkerTests
{
    private const string Body = """{ "title": "Bob was here" }""";

    private readonly TodoTable _table = new();
    private readonly TestPrincipal _alice = TestPrincipal.Create("alice@contoso.com");
    private readonly TestPrincipal _bob = TestPrincipal.Create("bob@contoso.com");
    private ShippedApp _app = null!;

    public enum Layers
    {
        Both,
        StatementFilterOnly,
        PolicyOnly,
    }

    private static ApiSignIn SignIn => ApiSignIn.Shared;

    private FunctionsHostPeer Host => _app.Host;

    private string Alice => SignIn.OwnerIdOf(_alice);

    private string Bob => SignIn.OwnerIdOf(_bob);

    [OneTimeSetUp]
    public async Task StartWorker() => _app = await ShippedApp.StartAsync(maxPoolSize: 1, prepare: (peers, _) => _table.ServeOn(peers.Server));

    [OneTimeTearDown]
    public async Task StopWorker()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [SetUp]
    public void EmptyTable()
    {
        _table.Clear();
        _app.Sql.Faults.Clear();
        _app.Sql.ResetCounters();
    }

    [TestCase(Layers.Both)]
    [TestCase(Layers.StatementFilterOnly)]
    [TestCase(Layers.PolicyOnly)]
    public async Task Bob_cannot_read_list_replace_or_delete_Alices_todo(Layers layers)
    {
        var alices = _table.Add("Alice's", owner: Alice);
        _table.AppliesStatementOwnerFilter = layers != Layers.PolicyOnly;
        _table.EnforcesPolicy = layers != Layers.StatementFilterOnly;
        var etag = EntityTag.FromRowVersion(alices.RowVersion);

        var read = await Host.SendHttpAsync(As(_bob, Get("/api/todos/1")));
        var list = await Host.SendHttpAsync(As(_bob, Get("/api/todos")));
        var replaced = await Host.SendHttpAsync(As(_bob, Put("1", etag, Body)));
        var deleted = await Host.SendHttpAsync(As(_bob, Delete("/api/todos/1")));
        var own = await Host.SendHttpAsync(As(_alice, Get("/api/todos/1")));

        AssertProblem(read, 404, ProblemTypes.NotFound);
        AssertProblem(replaced, 404, ProblemTypes.NotFound);
        AssertProblem(deleted, 404, ProblemTypes.NotFound);
        var stored = _table.Find(1)!;
        Assert.Multiple(() =>
        {
            Assert.That(list.Status(), Is.EqualTo(200), list.ToString);
            Assert.That(list.Json().GetProperty("items").GetArrayLength(), Is.Zero, "Bob's list has none of Alice's todos");
            Assert.That((stored.OwnerId, stored.Title, stored.DeletedAt, stored.RowVersion), Is.EqualTo((Alice, alices.Title, (DateTimeOffset?)null, alices.RowVersion)), "Alice's todo is untouched");
            Assert.That(own.Status(), Is.EqualTo(200), "and still Alice's to read");
            Assert.That(own.Json().GetProperty("title").GetString(), Is.EqualTo("Alice's"));
        });
    }

    [Test]
    public async Task With_neither_protection_the_same_requests_reach_Alices_todo()
    {
        // The negative control: the 404s above are the protections' doing, not the requests'.
        _table.Add("Alice's", owner: Alice);
        _table.AppliesStatementOwnerFilter = false;
        _table.EnforcesPolicy = false;

        var read = await Host.SendHttpAsync(As(_bob, Get("/api/todos/1")));
        var deleted = await Host.SendHttpAsync(As(_bob, Delete("/api/todos/1")));

        Assert.That((read.Status(), deleted.Status()), Is.EqualTo((200, 204)), read.ToString);
        Assert.That(_table.Find(1)!.DeletedAt, Is.Not.Null);
    }

    [Test]
    public async Task Each_caller_on_the_reused_pooled_session_is_identified_before_any_todo_statement()
    {
        _table.Add("Alice's", owner: Alice);

        var statuses = new List<int>();
        foreach (var (user, request) in new[]
        {
            (_alice, Get("/api/todos/1")),
            (_bob, Get("/api/todos/1")),
            (_bob, WithBody(HttpMethod.Post, "/api/todos", """{ "title": "Bob's" }""")),
            (_alice, Get("/api/todos")),
            (_bob, Delete("/api/todos/2")),
        })
        {
            statuses.Add((await Host.SendHttpAsync(As(user, request))).Status());
        }

        var connections = LogicalConnection.Of(_app.Sql.Statements);
        Assert.Multiple(() =>
        {
            Assert.That(statuses, Is.EqualTo(new[] { 200, 404, 201, 200, 204 }));
            Assert.That(connections.Select(c => c.SessionId).Distinct().Count(), Is.EqualTo(1), "one physical session (Max Pool Size=1):\n" + string.Join("\n", connections));
            Assert.That(connections.Skip(1).Select(c => c.Reused), Is.All.True, "each later invocation got it back from the pool, reset");
            Assert.That(connections.Select(c => ((string?)c.Declared[SessionContext.OwnerIdKey].Value, c.Declared[SessionContext.OwnerIdKey].ReadOnly)), Is.EqualTo(new (string?, bool)[] { (Alice, true), (Bob, true), (Bob, true), (Alice, true), (Bob, true) }),
                "each logical connection opens with its caller's owner id, read-only");
            Assert.That(connections.Select(c => c.Statements[0].SessionContext), Is.All.Empty, "the reset cleared the previous caller's context before the new set");
            foreach (var connection in connections)
            {
                var owner = connection.Declared[SessionContext.OwnerIdKey].Value;
                Assert.That(connection.Rest, Is.Not.Empty, connection.ToString());
                Assert.That(connection.Rest.Select(s => s.SessionContext), Is.All.EqualTo(new Dictionary<string, object?> { [SessionContext.OwnerIdKey] = owner }),
                    "every todo statement ran under its own caller's context only: " + connection);
                Assert.That(connection.Rest.Select(s => s.Parameters.Single(p => p.Name == "@OwnerId").Value), Is.All.EqualTo(owner), "and names that owner itself");
            }
        });
    }

    /// <summary>The request signed in as <paramref name="user"/> (a valid token of the shared sign-in, the API's scope).</summary>
    private static HttpRequestMessage As(TestPrincipal user, HttpRequestMessage request)
    {
        request.Headers.Authorization = null;
        return ApiSignIn.Authorize(request, SignIn.UserToken(user));
    }
}
