using AzureSqlFunctions.Http;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using AzureSqlFunctions.Todos;
using Microsoft.Extensions.Logging;
using static AzureSqlFunctions.Tests.EndToEnd.WorkerHttp;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// Every endpoint's success path and main error paths as README documents them, through the shipped worker process:
/// the host peer proxies each request to the worker's own listener, the app's middleware and functions run there, and
/// real SqlClient talks TDS to the peer playing <c>dbo.Todos</c> (<see cref="TodoTable"/>) with a token the real
/// ManagedIdentityCredential got from the identity endpoint. One worker for the fixture; the table is emptied and the
/// peer's counters zeroed before each test.
/// </summary>
internal sealed class TodoApiThroughWorkerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private readonly TodoTable _table = new();
    private ShippedApp _app = null!;

    private FunctionsHostPeer Host => _app.Host;

    [OneTimeSetUp]
    public async Task StartWorker() => _app = await ShippedApp.StartAsync(prepare: (peers, _) => _table.ServeOn(peers.Server));

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

    [Test]
    public async Task Get_answers_200_with_the_todo_and_its_ETag()
    {
        var stored = _table.Add("Buy milk");

        var result = await Host.SendHttpAsync(Get("/api/todos/1"));

        Assert.That(result.Status(), Is.EqualTo(200), result.ToString);
        Assert.That(result.Header("Content-Type"), Is.EqualTo(JsonResponse));
        Assert.That(result.Header("ETag"), Is.EqualTo(EntityTag.FromRowVersion(stored.RowVersion)));
        var body = result.Json();
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("id").GetInt64(), Is.EqualTo(1));
            Assert.That(body.GetProperty("title").GetString(), Is.EqualTo("Buy milk"));
            Assert.That(body.GetProperty("notes").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null));
            Assert.That(body.GetProperty("isDone").GetBoolean(), Is.False);
            Assert.That(body.GetProperty("createdAt").GetDateTimeOffset(), Is.EqualTo(_table.Now));
            Assert.That(body.GetProperty("etag").GetString(), Is.EqualTo(result.Header("ETag")));
            Assert.That(result.Invocation.Status, Is.EqualTo(InvocationStatus.Success), "the host sees a completed invocation");
            Assert.That(result.Invocation.FunctionName, Is.EqualTo("GetTodo"));
        });
    }

    [Test]
    public async Task Get_of_a_missing_or_deleted_todo_is_404()
    {
        _table.Add("gone", deletedAt: _table.Now);

        AssertProblem(await Host.SendHttpAsync(Get("/api/todos/1")), 404, ProblemTypes.NotFound);
        AssertProblem(await Host.SendHttpAsync(Get("/api/todos/2")), 404, ProblemTypes.NotFound);
    }

    [TestCase("abc")]
    [TestCase("0")]
    [TestCase("-1")]
    [TestCase("9223372036854775808")]
    public async Task A_bad_id_is_400_naming_id_before_any_SQL(string id)
    {
        foreach (var request in new[] { Get("/api/todos/" + id), Delete("/api/todos/" + id), Put(id, "\"AAAAAAAAB9A=\"", """{ "title": "x" }""") })
        {
            AssertProblem(await Host.SendHttpAsync(request), 400, ProblemTypes.Validation, "id");
        }

        Assert.That(_app.Sql.Statements, Is.Empty);
    }

    [Test]
    public async Task List_pages_live_todos_in_id_order_and_filters_by_done()
    {
        _table.Add("one");
        _table.Add("deleted", deletedAt: _table.Now);
        _table.Add("three", isDone: true);
        _table.Add("four");

        var first = await Host.SendHttpAsync(Get("/api/todos?limit=2"));
        Assert.That(first.Status(), Is.EqualTo(200), first.ToString);
        Assert.That(first.Header("Content-Type"), Is.EqualTo(JsonResponse));
        var next = first.Json().GetProperty("next").GetString();
        var second = await Host.SendHttpAsync(Get("/api/todos?limit=2&after=" + Uri.EscapeDataString(next!)));
        var done = await Host.SendHttpAsync(Get("/api/todos?done=TRUE"));

        Assert.That(Ids(first), Is.EqualTo(new[] { 1L, 3L }));
        Assert.That(Ids(second), Is.EqualTo(new[] { 4L }));
        Assert.That(second.Json().GetProperty("next").ValueKind, Is.EqualTo(System.Text.Json.JsonValueKind.Null), "the last page");
        Assert.That(Ids(done), Is.EqualTo(new[] { 3L }));
    }

    [Test]
    public async Task List_with_bad_parameters_is_400_naming_each_before_any_SQL()
    {
        var result = await Host.SendHttpAsync(Get("/api/todos?done=maybe&limit=101&after=not-a-token"));

        AssertProblem(result, 400, ProblemTypes.Validation, "done", "limit", "after");
        Assert.That(_app.Sql.Statements, Is.Empty);
    }

    [Test]
    public async Task Create_answers_201_with_Location_ETag_and_the_todo_as_stored()
    {
        var result = await Host.SendHttpAsync(Post("""{ "title": "  Buy milk  ", "notes": "2 litres", "dueAt": "2026-12-01T09:30:00+01:00" }"""));

        Assert.That(result.Status(), Is.EqualTo(201), result.ToString);
        var stored = _table.Find(1)!;
        Assert.That(stored.Title, Is.EqualTo("Buy milk"));
        Assert.That(stored.DueAt, Is.EqualTo(new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.FromHours(1))));
        Assert.That(result.Header("Location"), Is.EqualTo("/api/todos/1"));
        Assert.That(result.Header("ETag"), Is.EqualTo(EntityTag.FromRowVersion(stored.RowVersion)));
        Assert.That(result.Header("Content-Type"), Is.EqualTo(JsonResponse));
        var body = result.Json();
        Assert.That(body.GetProperty("title").GetString(), Is.EqualTo("Buy milk"));
        Assert.That(body.GetProperty("dueAt").GetString(), Does.EndWith("+01:00"));
        Assert.That(body.GetProperty("etag").GetString(), Is.EqualTo(result.Header("ETag")));
        var created = await Host.WaitForLogAsync(log => log.InvocationId == result.Invocation.InvocationId && log.Message == "Todo 1 created");
        Assert.That(created.Category, Is.EqualTo(typeof(TodoFunctions).FullName), "the function's log line reaches the host with its invocation id");
    }

    [TestCase("text/plain")]
    [TestCase(null)]
    [TestCase("application/json; charset=iso-8859-1")]
    public async Task Create_with_a_body_that_is_not_UTF_8_JSON_is_415_before_any_SQL(string? contentType)
    {
        var result = await Host.SendHttpAsync(Post("""{ "title": "typed" }""", contentType));

        AssertProblem(result, 415, ProblemTypes.UnsupportedMediaType);
        Assert.That(_app.Sql.Statements, Is.Empty);
    }

    [Test]
    public async Task Create_accepts_an_application_plus_json_content_type()
    {
        var result = await Host.SendHttpAsync(Post("""{ "title": "typed" }""", "application/merge-patch+json"));

        Assert.That(result.Status(), Is.EqualTo(201), result.ToString);
    }

    [TestCase("{", "malformed-json")]
    [TestCase("", "malformed-json")]
    [TestCase("""{ "title": "   ", "dueAt": "2026-12-01T09:30:00" }""", "validation", "title", "dueAt")]
    [TestCase("""{ "title": "x", "colour": "red" }""", "validation", "colour")]
    [TestCase("""{ "title": 42 }""", "validation", "title")]
    [TestCase("[]", "validation")]
    public async Task Create_with_a_bad_body_is_400_naming_the_field_before_any_SQL(string body, string problem, params string[] fields)
    {
        var result = await Host.SendHttpAsync(Post(body));

        var document = AssertProblem(result, 400, "urn:azure-sql-functions:problem:" + problem, fields);
        Assert.That(document.GetProperty("detail").GetString(), Is.Not.Empty);
        Assert.That(_app.Sql.Statements, Is.Empty);
        Assert.That(_table.Rows(), Is.Empty);
    }

    [Test]
    public async Task Create_with_a_body_over_64_KB_is_413_before_any_SQL()
    {
        var json = "{ \"title\": \"big\", \"notes\": \"" + new string('n', 65_536) + "\" }";

        var result = await Host.SendHttpAsync(Post(json));

        AssertProblem(result, 413, ProblemTypes.PayloadTooLarge);
        Assert.That(result.Json().GetProperty("detail").GetString(), Does.Contain("65536"));
        Assert.That(_app.Sql.Statements, Is.Empty);
    }

    [Test]
    public async Task Replace_at_the_current_ETag_answers_200_with_the_new_ETag_in_one_committed_transaction()
    {
        var todo = _table.Add("original");
        var etag = EntityTag.FromRowVersion(todo.RowVersion);

        var result = await Host.SendHttpAsync(Put("1", etag, """{ "title": "Renamed", "isDone": true }"""));

        Assert.That(result.Status(), Is.EqualTo(200), result.ToString);
        var stored = _table.Find(1)!;
        Assert.That((stored.Title, stored.IsDone), Is.EqualTo(("Renamed", true)));
        Assert.That(result.Header("ETag"), Is.EqualTo(EntityTag.FromRowVersion(stored.RowVersion)).And.Not.EqualTo(etag));
        Assert.That(result.Json().GetProperty("etag").GetString(), Is.EqualTo(result.Header("ETag")));
        Assert.That(_app.Sql.Counters.TransactionsCommitted, Is.EqualTo(1));
    }

    [Test]
    public async Task Replace_without_If_Match_is_428_and_with_an_unusable_one_400_naming_it()
    {
        _table.Add("original");

        AssertProblem(await Host.SendHttpAsync(Put("1", null, """{ "title": "x" }""")), 428, ProblemTypes.PreconditionRequired);
        foreach (var unusable in new[] { "*", "W/\"AAAAAAAAB9A=\"", "\"AAAA\"" })
        {
            AssertProblem(await Host.SendHttpAsync(Put("1", unusable, """{ "title": "x" }""")), 400, ProblemTypes.Validation, "If-Match");
        }

        Assert.That(_app.Sql.Statements, Is.Empty);
    }

    [Test]
    public async Task Replace_with_a_stale_ETag_is_412_and_of_a_missing_todo_404_and_neither_changes_anything()
    {
        var todo = _table.Add("original");
        var stale = EntityTag.FromRowVersion(todo.RowVersion);
        Assert.That((await Host.SendHttpAsync(Put("1", stale, """{ "title": "first write" }"""))).Status(), Is.EqualTo(200));
        _app.Sql.ResetCounters();

        AssertProblem(await Host.SendHttpAsync(Put("1", stale, """{ "title": "lost update" }""")), 412, ProblemTypes.PreconditionFailed);
        AssertProblem(await Host.SendHttpAsync(Put("99", stale, """{ "title": "nobody" }""")), 404, ProblemTypes.NotFound);

        Assert.That(_table.Find(1)!.Title, Is.EqualTo("first write"));
        Assert.That(_table.Rows(), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Delete_answers_204_then_404_and_the_todo_is_gone_from_the_API()
    {
        _table.Add("to delete");

        var deleted = await Host.SendHttpAsync(Delete("/api/todos/1"));
        var again = await Host.SendHttpAsync(Delete("/api/todos/1"));
        var read = await Host.SendHttpAsync(Get("/api/todos/1"));

        Assert.That(deleted.Status(), Is.EqualTo(204), deleted.ToString);
        Assert.That(deleted.Body, Is.Empty);
        AssertProblem(again, 404, ProblemTypes.NotFound);
        AssertProblem(read, 404, ProblemTypes.NotFound);
        Assert.That(_table.Find(1)!.DeletedAt, Is.Not.Null, "a soft delete: the purge job removes the row later");
    }

    [Test]
    public async Task Health_answers_200_with_the_managed_identity_credential_and_a_SQL_round_trip()
    {
        var result = await Host.SendHttpAsync(Get("/api/health"));

        Assert.That(result.Status(), Is.EqualTo(200), result.ToString);
        Assert.That(result.Header("Content-Type"), Is.EqualTo(JsonResponse));
        var body = result.Json();
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("healthy"));
        Assert.That(body.GetProperty("token").GetProperty("credential").GetString(), Is.EqualTo("ManagedIdentityCredential"));
        Assert.That(body.GetProperty("sql").GetProperty("status").GetString(), Is.EqualTo("healthy"));
        Assert.That(_app.Sql.Statements.Select(s => s.Text), Has.Some.EqualTo(AzureSqlFunctions.Health.HealthSql.Ping));
    }

    [Test]
    public async Task A_failing_statement_is_a_500_problem_with_the_hosts_invocation_id_and_an_error_log_under_that_id()
    {
        _app.Sql.Faults.FailNextStatement(547, "The INSERT statement conflicted with the CHECK constraint \"CK_Todos_Title_NotBlank\".");

        var result = await Host.SendHttpAsync(Post("""{ "title": "x" }"""));

        var body = AssertProblem(result, 500, ProblemTypes.InternalError);
        var invocationId = result.Invocation.InvocationId;
        Assert.That(body.GetProperty("invocationId").GetString(), Is.EqualTo(invocationId));
        Assert.That(result.Body, Does.Not.Contain("CK_Todos_Title_NotBlank"), "no server message reaches the client");
        var logged = await Host.WaitForLogAsync(log => log.InvocationId == invocationId && log.Level == LogLevel.Error);
        Assert.That(logged.Message, Does.Contain(invocationId));
        Assert.That(logged.Exception?.Message, Does.Contain("CK_Todos_Title_NotBlank"), "the operator's log has the cause");
        Assert.That(result.Invocation.Status, Is.EqualTo(InvocationStatus.Success), "the middleware answered; the function did not fail towards the host");
    }

    [Test]
    public async Task The_host_cancelling_during_a_held_query_ends_the_call_sends_attention_and_the_session_is_reused()
    {
        _table.Add("held");
        Assert.That((await Host.SendHttpAsync(Get("/api/todos/1"))).Status(), Is.EqualTo(200), "a pooled session exists");
        _app.Sql.ResetCounters();
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _table.AnswerFirst = async (request, cancel) =>
        {
            if (request.Text == TodoSql.GetById)
            {
                held.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancel); // until the client's attention arrives
            }

            return null;
        };

        var pending = Host.StartHttp(Get("/api/todos/1"));
        await held.Task.WaitAsync(Bound);
        await pending.CancelAsync();
        var result = await pending.Result.WaitAsync(Bound);

        AssertUnavailable(result, ProblemTypes.RequestCancelled, "1");
        await _app.Sql.Counters.WaitUntilAsync(c => c.Attentions == 1, Bound);
        _table.AnswerFirst = null;
        var next = await Host.SendHttpAsync(Get("/api/todos/1"));
        Assert.That(next.Status(), Is.EqualTo(200), next.ToString);
        Assert.That(_app.Sql.Counters.PhysicalLogins, Is.Zero, "the cancelled invocation's session went back to the pool and was reused");
        Assert.That(_app.Sql.Counters.OpenSessions, Is.EqualTo(1));
    }

    private static long[] Ids(HttpInvocationResult page) =>
        [.. page.Json().GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetInt64())];
}
