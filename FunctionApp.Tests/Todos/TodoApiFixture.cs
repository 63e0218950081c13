using System.Text;
using System.Text.Json;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Todos;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>One peer playing <c>dbo.Todos</c> per fixture; each test starts with an empty table and no recorded statements.</summary>
internal abstract class TodoApiFixture
{
    protected PeerHarness Peer { get; private set; } = null!;

    protected TodoTable Table { get; } = new();

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The harness disposes every container it made.")]
    protected IServiceProvider App { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartPeer()
    {
        Peer = PeerHarness.Start();
        Table.ServeOn(Peer.Server);
        App = Peer.App();
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

    protected static JsonRequest Json(string json, string? contentType = "application/json") =>
        new(contentType, new MemoryStream(Encoding.UTF8.GetBytes(json)));

    protected static JsonRequest Json(object body) => Json(JsonSerializer.Serialize(body));

    protected Task<ApiResult> List(string? done = null, string? limit = null, string? after = null) =>
        PeerHarness.RunHttpAsync(App, sql => TodoQueries.ListAsync(sql, new TodoListQuery(done, limit, after)));

    protected Task<ApiResult> Get(string id) => PeerHarness.RunHttpAsync(App, sql => TodoQueries.GetAsync(sql, id));

    protected Task<ApiResult> Create(JsonRequest request) =>
        PeerHarness.RunHttpAsync(App, sql => App.GetRequiredService<TodoCommands>().CreateAsync(sql, request));

    protected Task<ApiResult> Replace(string id, string? ifMatch, JsonRequest request) =>
        PeerHarness.RunHttpAsync(App, sql => App.GetRequiredService<TodoCommands>().ReplaceAsync(sql, id, ifMatch, request));

    protected Task<ApiResult> Delete(string id) =>
        PeerHarness.RunHttpAsync(App, sql => App.GetRequiredService<TodoCommands>().DeleteAsync(sql, id));

    /// <summary>A rejected request must not have reached the database at all.</summary>
    protected void AssertNothingSent() =>
        Assert.That(Peer.Server.Statements, Is.Empty, "no statement may run for rejected input");

    /// <summary>Asserts a problem answer: status, type, content type, and (for 400s) the named fields.</summary>
    protected static void AssertProblem(ApiResult result, int status, string type, params string[] fields)
    {
        Assert.That(result.Status, Is.EqualTo(status), result.SerializeBody());
        Assert.That(result.ContentType, Is.EqualTo(ProblemDetails.ContentType));
        var body = PeerHarness.BodyOf(result);
        Assert.That(body.GetProperty("type").GetString(), Is.EqualTo(type));
        Assert.That(body.GetProperty("status").GetInt32(), Is.EqualTo(status));
        if (fields.Length > 0)
        {
            var named = body.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToList();
            Assert.That(named, Is.EquivalentTo(fields));
        }
    }
}
