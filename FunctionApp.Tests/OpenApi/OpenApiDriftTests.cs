using System.Reflection;
using System.Text;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.Tests.Todos;
using Microsoft.AspNetCore.Authorization;

namespace AzureSqlFunctions.Tests.OpenApi;

/// <summary>
/// The OpenAPI document against the app, both ways: its operations are exactly the HTTP functions the worker indexes
/// (route under host.json's prefix, method, operationId = function name, anonymous exactly where [AllowAnonymous]);
/// each operation's documented statuses are exactly the ones the real function answers, provoked one by one through
/// the real middleware (a status the app gives but the document lacks fails, and so does one documented but never
/// given); each answer's media type is documented for its status; the Problem schema lists every problem type.
/// </summary>
internal sealed class OpenApiDriftTests : TodoApiFixture
{
    private static readonly TestPrincipal Reader = TestPrincipal.Create("reader@contoso.com");

    private static IEnumerable<string> HttpFunctionNames => AppUnderTest.Functions.Where(f => f.IsHttp).Select(f => f.Name);

    [Test]
    public void The_documents_operations_are_exactly_the_indexed_http_functions()
    {
        var indexed = AppUnderTest.Functions.Where(f => f.IsHttp)
            .SelectMany(f => f.Methods.Select(method => (f.Name, method, $"/{AppUnderTest.RoutePrefix}/{f.Route}")));
        var documented = OpenApiSpec.Operations.Select(o => (o.Id, o.Method, o.Path));

        Assert.That(documented, Is.EquivalentTo(indexed));
    }

    [Test]
    public void Exactly_the_functions_marked_AllowAnonymous_are_documented_without_security()
    {
        var anonymous = AppUnderTest.Functions.Where(f => f.IsHttp)
            .Where(f => FunctionCatalog.EntryMethod(f) is var method && (method.IsDefined(typeof(AllowAnonymousAttribute)) || method.DeclaringType!.IsDefined(typeof(AllowAnonymousAttribute))))
            .Select(f => f.Name);

        Assert.That(OpenApiSpec.Operations.Where(o => o.IsAnonymous).Select(o => o.Id), Is.EquivalentTo(anonymous));
        Assert.That(OpenApiSpec.Document["security"]![0]!["entraId"], Is.Not.Null, "everything else needs the Entra ID scheme");
    }

    [Test]
    public void The_Problem_schema_lists_every_problem_type_the_app_defines()
    {
        var defined = typeof(ProblemTypes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!);

        Assert.That(OpenApiSpec.ProblemTypes, Is.EquivalentTo(defined));
    }

    [Test]
    public void Every_indexed_http_function_has_status_scenarios_here()
    {
        Assert.That(HttpFunctionNames.Where(name => Scenarios(name) is null), Is.Empty, "add the new function's statuses to Scenarios");
    }

    [TestCaseSource(nameof(HttpFunctionNames))]
    public async Task An_operations_documented_statuses_are_exactly_the_ones_it_answers(string function)
    {
        var operation = OpenApiSpec.Named(function);
        var answered = new Dictionary<int, HttpAnswer>();
        foreach (var (name, send) in Scenarios(function) ?? [])
        {
            Table.Clear();
            Peer.Server.Faults.Clear();
            var answer = await send();
            TestContext.Out.WriteLine($"{function} {name}: {answer.Status}");
            answered.TryAdd(answer.Status, answer);
        }

        Assert.That(answered.Keys, Is.EquivalentTo(operation.Statuses), $"{function}: statuses answered vs documented");
        Assert.Multiple(() =>
        {
            foreach (var (status, answer) in answered.Where(pair => operation.Statuses.Contains(pair.Key)))
            {
                var mediaType = answer.ContentType?.Split(';')[0];
                if (mediaType is null)
                {
                    Assert.That(operation.MediaTypes(status), Is.Empty, $"{function} {status} has no body");
                    continue;
                }

                Assert.That(operation.MediaTypes(status), Does.Contain(mediaType), $"{function} {status}");
                if (mediaType == "application/problem+json")
                {
                    Assert.That(OpenApiSpec.ProblemTypes, Does.Contain(answer.Json().GetProperty("type").GetString()), $"{function} {status}");
                }
            }
        });
    }

    /// <summary>One request per status the function can answer (null for a function this table does not know yet).</summary>
    private IReadOnlyList<(string Name, Func<Task<HttpAnswer>> Send)>? Scenarios(string function) => function switch
    {
        "ListTodos" => [.. Guarded(() => TestRequest.Get("/api/todos")),
            ("200", () => List()),
            ("400 bad limit", () => List(limit: "0"))],
        "GetTodo" => [.. Guarded(() => TestRequest.Get("/api/todos/1"), seed: true),
            ("200", async () => await Get(Table.Add("read me").Id.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            ("400 bad id", () => Get("abc")),
            ("404", () => Get("999"))],
        "CreateTodo" => [.. Guarded(() => TestRequest.Post("/api/todos", """{ "title": "a" }""")),
            ("201", () => Create(Json("""{ "title": "a" }"""))),
            ("400 no title", () => Create(Json("{}"))),
            ("413", () => Create(Json($$"""{ "title": "{{new string('x', 70_000)}}" }"""))),
            ("415", () => Create(Json("""{ "title": "a" }""", "text/plain"))),
            ("422", () => ReusedIdempotencyKey())],
        "ReplaceTodo" => [.. Guarded(() => TestRequest.Put("/api/todos/1", """{ "title": "b" }""", "\"AAAAAAAAB9A=\""), seed: true),
            ("200", async () => await Replace("1", await SeededETag(), Json("""{ "title": "b" }"""))),
            ("400 bad id", () => Replace("abc", "\"AAAAAAAAB9A=\"", Json("""{ "title": "b" }"""))),
            ("404", async () => await Replace("999", await SeededETag(), Json("""{ "title": "b" }"""))),
            ("412", async () => await StaleReplace()),
            ("428", () => Replace("1", null, Json("""{ "title": "b" }"""))),
            ("413", async () => await Replace("1", await SeededETag(), Json($$"""{ "title": "{{new string('x', 70_000)}}" }"""))),
            ("415", async () => await Replace("1", await SeededETag(), Json("""{ "title": "b" }""", "text/plain")))],
        "DeleteTodo" => [.. Guarded(() => TestRequest.Delete("/api/todos/1"), seed: true),
            ("204", async () => await Delete(Table.Add("delete me").Id.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            ("400 bad id", () => Delete("abc")),
            ("404", () => Delete("999"))],
        "Health" => [.. Guarded(() => TestRequest.Get("/api/health"), canFail500: false),
            ("200", () => App.SendAsync(TestRequest.Get("/api/health")))],
        "Liveness" => [("200", () => App.SendAsync(TestRequest.Get("/api/health/live")))],
        "OpenApiDocument" => [("200", () => App.SendAsync(TestRequest.Get("/api/openapi.json")))],
        _ => null,
    };

    /// <summary>A create with a key already used for another body: 422.</summary>
    private async Task<HttpAnswer> ReusedIdempotencyKey()
    {
        var key = "drift-" + Guid.NewGuid().ToString("N");
        var first = await App.SendAsync(TestRequest.Post("/api/todos", """{ "title": "first" }""").WithHeader("Idempotency-Key", key));
        Assert.That(first.Status, Is.EqualTo(201), first.Body);
        return await App.SendAsync(TestRequest.Post("/api/todos", """{ "title": "second" }""").WithHeader("Idempotency-Key", key));
    }

    /// <summary>
    /// What every token-guarded function answers besides its own statuses: 401 (no bearer token), 403 (no scope), 400
    /// (credentials sent twice), 503 (a transient SQL error) and 500 (an unexpected SQL error).
    /// </summary>
    private IEnumerable<(string Name, Func<Task<HttpAnswer>> Send)> Guarded(Func<TestRequest> request, bool seed = false, bool canFail500 = true)
    {
        var token = App.SignIn.UserToken(Reader);
        yield return ("401", () => App.SendAsync(request().WithHeader("Authorization", "Basic dXNlcjpwYXNz")));
        yield return ("403", () => App.SendAsync(request().WithHeader("Authorization", "Bearer " + App.SignIn.UserToken(Reader, "User.Read"))));
        yield return ("400 credentials twice", () => App.SendAsync(request().WithHeader("Authorization", "Bearer " + token).WithHeader("Authorization", "Bearer " + token)));
        yield return ("503", () => AfterFault(40613, "Database 'appdb' on server 'sql' is not currently available.", request, seed));
        if (canFail500)
        {
            yield return ("500", () => AfterFault(547, "The statement conflicted with a CHECK constraint.", request, seed));
        }
    }

    private async Task<HttpAnswer> AfterFault(int number, string message, Func<TestRequest> request, bool seed)
    {
        if (seed)
        {
            Table.Add("seeded");
        }

        Peer.Server.Faults.FailNextStatement(number, message);
        return await App.SendAsync(request());
    }

    private async Task<string> SeededETag()
    {
        if (Table.Find(1) is null)
        {
            Table.Add("seeded");
        }

        return (await Get("1")).Header("ETag")!;
    }

    private async Task<HttpAnswer> StaleReplace()
    {
        var stale = await SeededETag();
        Assert.That((await Replace("1", stale, Json("""{ "title": "first" }"""))).Status, Is.EqualTo(200));
        return await Replace("1", stale, Json("""{ "title": "second" }"""));
    }

    [Test]
    public void The_scenarios_bodies_are_what_the_api_reads_as_json()
    {
        Assert.That(Encoding.UTF8.GetByteCount(new string('x', 70_000)), Is.GreaterThan(JsonBodyReader.MaxBytes), "the 413 scenario is over the limit");
    }
}
