using System.Text;
using System.Text.Json;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>
/// One TDS peer playing <c>dbo.Todos</c> per fixture and the app over it; each test starts with an empty table and no
/// recorded statements. Requests go through the app's real middleware and functions (<see cref="AppUnderTest"/>).
/// </summary>
internal abstract class TodoApiFixture
{
    protected AppPeers Peer { get; private set; } = null!;

    protected TodoTable Table { get; } = new();

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    protected AppUnderTest App { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartPeer()
    {
        Peer = AppPeers.Start();
        Table.ServeOn(Peer.Server);
        App = Peer.App(("Sql__OpenRetries", "0"));
    }

    [OneTimeTearDown]
    public async Task StopPeer() => await Peer.DisposeAsync();

    [SetUp]
    public void EmptyTable()
    {
        Table.Clear();
        Peer.Server.Faults.Clear();
        Peer.Server.ResetCounters();
    }

    /// <summary>A request body: the bytes of <paramref name="json"/> with the given Content-Type (null: none).</summary>
    protected static RequestBody Json(string json, string? contentType = "application/json") =>
        Bytes(Encoding.UTF8.GetBytes(json), contentType);

    /// <summary>A body of exactly these bytes; each send gets its own stream of them.</summary>
    protected static RequestBody Bytes(byte[] bytes, string? contentType = "application/json") => new(() => new MemoryStream(bytes), contentType);

    protected static RequestBody Json(object body) => Json(JsonSerializer.Serialize(body));

    protected Task<HttpAnswer> List(string? done = null, string? limit = null, string? after = null) => List(App, done, limit, after);

    protected static Task<HttpAnswer> List(AppUnderTest app, string? done = null, string? limit = null, string? after = null)
    {
        var query = string.Join("&", new[] { ("done", done), ("limit", limit), ("after", after) }
            .Where(p => p.Item2 is not null)
            .Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}"));
        return app.SendAsync(TestRequest.Get(query.Length == 0 ? "/api/todos" : "/api/todos?" + query));
    }

    protected Task<HttpAnswer> Get(string id) => Get(App, id);

    protected static Task<HttpAnswer> Get(AppUnderTest app, string id) => app.SendAsync(TestRequest.Get("/api/todos/" + Uri.EscapeDataString(id)));

    protected Task<HttpAnswer> Create(RequestBody body) => Create(App, body);

    protected static Task<HttpAnswer> Create(AppUnderTest app, RequestBody body, CancellationToken cancellation = default)
    {
        var request = new TestRequest("POST", "/api/todos");
        request = body.Key is null ? request : request.WithHeader("Idempotency-Key", "\"" + body.Key + "\"");
        // Each send reads its own copy, so one body can be sent again (a client's retry).
        return app.SendAsync(request.WithBody(body.Open(), body.ContentType), cancellation);
    }

    protected Task<HttpAnswer> Replace(string id, string? ifMatch, RequestBody body) => Replace(App, id, ifMatch, body);

    protected static Task<HttpAnswer> Replace(AppUnderTest app, string id, string? ifMatch, RequestBody body, CancellationToken cancellation = default)
    {
        var request = new TestRequest("PUT", "/api/todos/" + Uri.EscapeDataString(id));
        request = ifMatch is null ? request : request.WithHeader("If-Match", ifMatch);
        return app.SendAsync(request.WithBody(body.Open(), body.ContentType), cancellation);
    }

    protected Task<HttpAnswer> Delete(string id) => Delete(App, id);

    protected static Task<HttpAnswer> Delete(AppUnderTest app, string id, CancellationToken cancellation = default) =>
        app.SendAsync(TestRequest.Delete("/api/todos/" + Uri.EscapeDataString(id)), cancellation);

    /// <summary>The statements the peer received whose text is exactly <paramref name="sql"/>.</summary>
    protected IReadOnlyList<RecordedStatement> Sent(string sql) =>
        [.. Peer.Server.Statements.Where(s => string.Equals(s.Text, sql, StringComparison.Ordinal))];

    protected static SqlParameterValue Parameter(RecordedStatement statement, string name) =>
        statement.Parameters.Single(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A rejected request must not have reached the database at all.</summary>
    protected void AssertNothingSent() =>
        Assert.That(Peer.Server.Statements, Is.Empty, "no statement may run for rejected input");

    /// <summary>Asserts a problem answer: status, type, content type, and (for 400s) the named fields.</summary>
    protected static void AssertProblem(HttpAnswer result, int status, string type, params string[] fields)
    {
        Assert.That(result.Status, Is.EqualTo(status), result.Body);
        Assert.That(result.ContentType, Is.EqualTo("application/problem+json"));
        var body = result.Json();
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo(type));
        Assert.That(body.GetProperty("status").GetInt32(), Is.EqualTo(status));
        if (fields.Length > 0)
        {
            var named = body.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
            Assert.That(named, Is.EquivalentTo(fields));
        }
    }

    /// <summary>A body to send: its bytes (each send streams its own copy), its Content-Type and, for POST, an Idempotency-Key.</summary>
    protected sealed record RequestBody(Func<Stream> Open, string? ContentType, string? Key = null);
}
