using AzureSqlFunctions.Http;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.Todos;
using Dapper;
using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>
/// Per-user data through the app's real middleware and functions, signed in as two users of the shared sign-in (and a
/// service calling as itself): a caller reaches only their own todos and Idempotency-Keys; another's todo answers 404
/// (never 403) to read, replace and delete, and stays as it was. Each protection is shown to hold on its own — the
/// statements' owner filter with the table's policy off, the policy with the statements' filter off — and, with both
/// off, the same requests do reach the other user's todo, so these tests can fail.
/// </summary>
internal sealed class TodoOwnershipTests : TodoApiFixture
{
    private const string Body = """{ "title": "Alice's now" }""";

    private readonly TestPrincipal _alice = TestPrincipal.Create("alice@contoso.com");
    private readonly TestPrincipal _bob = TestPrincipal.Create("bob@contoso.com");
    private readonly TestPrincipal _service = TestPrincipal.Create("reporting-service");

    private string AliceOwner => App.SignIn.OwnerIdOf(_alice);

    private string BobOwner => App.SignIn.OwnerIdOf(_bob);

    public enum Layers
    {
        Both,
        StatementFilterOnly,
        PolicyOnly,
    }

    [TestCase(Layers.Both)]
    [TestCase(Layers.StatementFilterOnly)]
    [TestCase(Layers.PolicyOnly)]
    public async Task Another_users_todo_is_404_to_read_replace_and_delete_and_stays_as_it_was(Layers layers)
    {
        var bobs = Table.Add("Bob's", owner: BobOwner);
        Use(layers);

        var read = await SendAs(_alice, TestRequest.Get("/api/todos/1"));
        var replaced = await SendAs(_alice, TestRequest.Put("/api/todos/1", Body, ETagOf(bobs)));
        var deleted = await SendAs(_alice, TestRequest.Delete("/api/todos/1"));

        AssertProblem(read, 404, ProblemTypes.NotFound);
        AssertProblem(replaced, 404, ProblemTypes.NotFound);
        AssertProblem(deleted, 404, ProblemTypes.NotFound);
        var stored = Table.Find(1)!;
        Assert.Multiple(async () =>
        {
            Assert.That((stored.Title, stored.DeletedAt, stored.RowVersion), Is.EqualTo((bobs.Title, (DateTimeOffset?)null, bobs.RowVersion)), "Bob's todo is untouched");
            Assert.That((await SendAs(_bob, TestRequest.Get("/api/todos/1"))).Status, Is.EqualTo(200), "and still Bob's");
        });
    }

    [TestCase(Layers.Both)]
    [TestCase(Layers.StatementFilterOnly)]
    [TestCase(Layers.PolicyOnly)]
    public async Task Lists_show_only_the_callers_own_todos(Layers layers)
    {
        Table.Add("alice 1", owner: AliceOwner);
        Table.Add("bob 1", owner: BobOwner, isDone: true);
        Table.Add("alice 2", owner: AliceOwner, isDone: true);
        Table.Add("bob 2", owner: BobOwner);
        Use(layers);

        var alices = await SendAs(_alice, TestRequest.Get("/api/todos"));
        var alicesDone = await SendAs(_alice, TestRequest.Get("/api/todos?done=true"));
        var bobs = await SendAs(_bob, TestRequest.Get("/api/todos?limit=1"));

        Assert.Multiple(() =>
        {
            Assert.That(Titles(alices), Is.EqualTo(new[] { "alice 1", "alice 2" }));
            Assert.That(Titles(alicesDone), Is.EqualTo(new[] { "alice 2" }));
            Assert.That(Titles(bobs), Is.EqualTo(new[] { "bob 1" }));
            Assert.That(bobs.Json().GetProperty("next").GetString(), Is.Not.Null, "Bob's second todo is on his next page");
        });
    }

    [Test]
    public async Task With_neither_protection_the_same_requests_reach_another_users_todo()
    {
        // The negative control of the tests above: what they show is the protections', not the harness's doing.
        var bobs = Table.Add("Bob's", owner: BobOwner);
        Table.EnforcesPolicy = false;
        Table.AppliesStatementOwnerFilter = false;

        var read = await SendAs(_alice, TestRequest.Get("/api/todos/1"));
        var listed = await SendAs(_alice, TestRequest.Get("/api/todos"));
        var replaced = await SendAs(_alice, TestRequest.Put("/api/todos/1", Body, ETagOf(bobs)));

        Assert.That((read.Status, Titles(listed), replaced.Status), Is.EqualTo((200, new[] { "Bob's" }, 200)));
        Assert.That(Table.Find(1)!.Title, Is.EqualTo("Alice's now"));
    }

    [Test]
    public async Task Every_todo_statement_names_the_callers_owner_id_and_runs_under_their_session_context()
    {
        var created = await SendAs(_alice, TestRequest.Post("/api/todos", """{ "title": "mine" }""").WithHeader("Idempotency-Key", "\"k-1\""));
        var etag = created.Headers["ETag"];
        await SendAs(_alice, TestRequest.Get("/api/todos"));
        await SendAs(_alice, TestRequest.Get("/api/todos?done=false"));
        await SendAs(_alice, TestRequest.Get("/api/todos/1"));
        await SendAs(_alice, TestRequest.Put("/api/todos/1", Body, "\"AAAAAAAAAAA=\"")); // stale: the 412 path counts too
        await SendAs(_alice, TestRequest.Put("/api/todos/1", Body, etag));
        await SendAs(_alice, TestRequest.Delete("/api/todos/1"));

        var todoStatements = Peer.Server.Statements.Where(s => !s.IsSessionContextCall).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(created.Status, Is.EqualTo(201), created.Body);
            Assert.That(todoStatements.Select(s => s.Text).Distinct(), Is.EquivalentTo(new[]
            {
                TodoSql.FindCreateRequest, TodoSql.Insert, TodoSql.RecordCreateRequest, TodoSql.List, TodoSql.ListByDone, TodoSql.GetById,
                TodoSql.Replace, TodoSql.CountLive, TodoSql.SoftDelete,
            }));
            foreach (var statement in todoStatements)
            {
                Assert.That(Parameter(statement, "@OwnerId").Value, Is.EqualTo(AliceOwner), statement.Text);
                Assert.That(Parameter(statement, "@OwnerId").SqlType, Is.EqualTo("char(73)"), statement.Text);
                Assert.That(statement.SessionContext, Is.EqualTo(new Dictionary<string, object?> { [SessionContext.OwnerIdKey] = AliceOwner }), statement.Text);
            }

            Assert.That(Table.Rows().Single().OwnerId, Is.EqualTo(AliceOwner));
            Assert.That(Table.CreateRequests().Single().OwnerId, Is.EqualTo(AliceOwner));
        });
    }

    [Test]
    public async Task The_owner_id_is_the_tenant_and_object_id_of_the_token_in_lowercase()
    {
        await SendAs(_alice, TestRequest.Post("/api/todos", """{ "title": "mine" }"""));

        var owner = (string)Parameter(Sent(TodoSql.Insert).Single(), "@OwnerId").Value!;
        Assert.That(owner, Is.EqualTo($"{App.SignIn.Provider.TenantId}:{_alice.ObjectId}".ToLowerInvariant()));
        Assert.That(owner, Has.Length.EqualTo(OwnerId.Length));
    }

    [Test]
    public async Task Two_users_can_use_the_same_Idempotency_Key_each_replaying_their_own_create()
    {
        var key = "\"same-key\"";
        var alices = await SendAs(_alice, TestRequest.Post("/api/todos", """{ "title": "Alice's" }""").WithHeader("Idempotency-Key", key));
        var bobs = await SendAs(_bob, TestRequest.Post("/api/todos", """{ "title": "Bob's" }""").WithHeader("Idempotency-Key", key));
        var alicesRetry = await SendAs(_alice, TestRequest.Post("/api/todos", """{ "title": "Alice's" }""").WithHeader("Idempotency-Key", key));

        Assert.Multiple(() =>
        {
            Assert.That((alices.Status, bobs.Status, alicesRetry.Status), Is.EqualTo((201, 201, 201)), bobs.Body);
            Assert.That(bobs.Header("Idempotent-Replayed"), Is.Null, "Bob's key is his own: no 422, no replay of Alice's");
            Assert.That(alicesRetry.Header("Idempotent-Replayed"), Is.EqualTo("true"));
            Assert.That(alicesRetry.Json().GetProperty("id").GetInt64(), Is.EqualTo(alices.Json().GetProperty("id").GetInt64()));
            Assert.That(Table.Rows().Select(r => (r.Title, r.OwnerId)), Is.EquivalentTo(new[] { ("Alice's", AliceOwner), ("Bob's", BobOwner) }));
            Assert.That(Table.CreateRequests().Select(r => r.OwnerId), Is.EquivalentTo(new[] { AliceOwner, BobOwner }));
        });
    }

    [Test]
    public async Task An_app_only_caller_owns_what_it_creates_and_sees_no_users_todos()
    {
        Table.Add("Alice's", owner: AliceOwner);
        var token = App.SignIn.AppToken(_service);

        var created = await App.SendAsync(TestRequest.Post("/api/todos", """{ "title": "report" }""").WithHeader("Authorization", "Bearer " + token));
        var listed = await App.SendAsync(TestRequest.Get("/api/todos").WithHeader("Authorization", "Bearer " + token));
        var alicesTodo = await App.SendAsync(TestRequest.Get("/api/todos/1").WithHeader("Authorization", "Bearer " + token));
        var aliceLists = await SendAs(_alice, TestRequest.Get("/api/todos"));

        Assert.Multiple(() =>
        {
            Assert.That(created.Status, Is.EqualTo(201), created.Body);
            Assert.That(Table.Find(2)!.OwnerId, Is.EqualTo(App.SignIn.OwnerIdOf(_service)), "the service principal's tid:oid");
            Assert.That(Titles(listed), Is.EqualTo(new[] { "report" }));
            Assert.That(alicesTodo.Status, Is.EqualTo(404));
            Assert.That(Titles(aliceLists), Is.EqualTo(new[] { "Alice's" }));
        });
    }

    [Test]
    public async Task A_statement_writing_for_another_owner_is_blocked_by_the_policy_and_answers_500()
    {
        // What the app never sends: an insert for Bob on Alice's session. The policy's AFTER INSERT block refuses it.
        var answer = await App.RunHttpAsync(Signed(_alice, TestRequest.Get("/api/test")), async context =>
        {
            var sql = context.GetInvocationConnection();
            var transaction = await sql.BeginUnitOfWorkAsync();
            var parameters = new DynamicParameters();
            parameters.Add("@OwnerId", BobOwner, System.Data.DbType.AnsiStringFixedLength, size: OwnerId.Length);
            parameters.Add("@Title", "planted");
            parameters.Add("@Notes", null);
            parameters.Add("@DueAt", null, System.Data.DbType.DateTimeOffset);
            parameters.Add("@IsDone", false);
            await transaction.Connection!.QueryAsync(new CommandDefinition(TodoSql.Insert, parameters, transaction));
            return (IResult?)null;
        });

        AssertProblem(answer, 500, ProblemTypes.InternalError);
        Assert.That(Table.Rows(), Is.Empty);
        Assert.That(App.Logs.GetSnapshot().Select(r => r.Exception?.Message ?? string.Empty), Has.Some.Contains("block predicate"));
    }

    [Test]
    public async Task A_session_nobody_identified_sees_no_todo_at_all()
    {
        Table.Add("the default user's");
        TodoRow? found = null;

        // A timer invocation that declared no context: the policy shows it nothing, whatever its statement asks for.
        await App.RunTimerAsync(async sql =>
        {
            var connection = await sql.GetOpenConnectionAsync();
            var parameters = new DynamicParameters();
            parameters.Add("@OwnerId", Table.DefaultOwner, System.Data.DbType.AnsiStringFixedLength, size: OwnerId.Length);
            parameters.Add("@Id", 1L);
            found = await connection.QuerySingleOrDefaultAsync<TodoRow>(TodoSql.GetById, parameters);
        });

        Assert.That(found, Is.Null);
        Assert.That(Peer.Server.Statements.Select(s => s.Text), Is.EqualTo(new[] { TodoSql.GetById }), "no context was set");
    }

    private void Use(Layers layers)
    {
        Table.AppliesStatementOwnerFilter = layers != Layers.PolicyOnly;
        Table.EnforcesPolicy = layers != Layers.StatementFilterOnly;
    }

    private Task<HttpAnswer> SendAs(TestPrincipal user, TestRequest request) => App.SendAsync(Signed(user, request));

    private TestRequest Signed(TestPrincipal user, TestRequest request) =>
        request.WithHeader("Authorization", "Bearer " + App.SignIn.UserToken(user));

    private static string ETagOf(StoredTodo todo) => "\"" + Convert.ToBase64String(todo.RowVersion) + "\"";

    private static string?[] Titles(HttpAnswer page)
    {
        Assert.That(page.Status, Is.EqualTo(200), page.Body);
        return [.. page.Json().GetProperty("items").EnumerateArray().Select(item => item.GetProperty("title").GetString())];
    }
}
