using System.Text.Json;
using System.Text.Json.Nodes;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// The in-process harness (<see cref="AppUnderTest"/>, which most of the suite uses) must answer exactly as the
/// shipped worker does. One script of requests — every endpoint's success and error paths, a failing statement, a
/// transient one — runs against both, each over its own TDS peer and fresh <see cref="TodoTable"/>, both with the
/// managed identity; status, the app's headers and the body must match step by step. Only what is not the app's is
/// left out: Kestrel's transport headers (Date, Server, Transfer-Encoding, Content-Length), the invocation id's value
/// (checked to be present on both sides alike) and the health check's measured latencies.
/// </summary>
internal sealed class HarnessParityTests
{
    private static readonly HashSet<string> TransportHeaders = new(StringComparer.OrdinalIgnoreCase) { "Date", "Server", "Transfer-Encoding", "Content-Length" };

    [Test]
    public async Task The_in_process_harness_answers_every_scripted_request_exactly_as_the_shipped_worker()
    {
        var workerTable = new TodoTable();
        List<Exchange> throughWorker;
        await using (var shipped = await ShippedApp.StartAsync(prepare: (peers, _) => workerTable.ServeOn(peers.Server)))
        {
            throughWorker = await RunScriptAsync(
                async request => Exchange.From(await shipped.Host.SendHttpAsync(WorkerHttp.From(request))),
                shipped.Sql);
        }

        var harnessTable = new TodoTable();
        List<Exchange> inProcess;
        await using (var peers = AppPeers.Start())
        {
            harnessTable.ServeOn(peers.Server);
            await peers.StartManagedIdentityAsync(userAssigned: true);
            var app = peers.App(credential: null, settings: [.. ShippedApp.ProductionSettings(peers, maxPoolSize: 100)]);
            inProcess = await RunScriptAsync(async request => Exchange.From(await app.SendAsync(request)), peers.Server);
        }

        Assert.That(inProcess.Select(e => e.Step), Is.EqualTo(throughWorker.Select(e => e.Step)));
        Assert.Multiple(() =>
        {
            foreach (var (worker, harness) in throughWorker.Zip(inProcess))
            {
                Assert.That(harness, Is.EqualTo(worker), $"step '{worker.Step}': harness {harness} vs worker {worker}");
            }
        });
    }

    /// <summary>The same requests in the same order; ETags sent back are the ones this side answered.</summary>
    private static async Task<List<Exchange>> RunScriptAsync(Func<TestRequest, Task<Exchange>> send, TdsServer server)
    {
        var exchanges = new List<Exchange>();
        async Task<Exchange> Step(string name, TestRequest request)
        {
            var exchange = await send(request) with { Step = name };
            exchanges.Add(exchange);
            return exchange;
        }

        var first = await Step("create", TestRequest.Post("/api/todos", """{ "title": " Buy milk ", "notes": "2 litres", "dueAt": "2026-12-01T09:30:00+01:00" }"""));
        await Step("create done", TestRequest.Post("/api/todos", """{ "title": "Done already", "isDone": true }""", "application/vnd.todo+json"));
        await Step("create third", TestRequest.Post("/api/todos", """{ "title": "Third" }"""));
        await Step("get", TestRequest.Get("/api/todos/1"));
        var page = await Step("list first page", TestRequest.Get("/api/todos?limit=2"));
        var next = JsonNode.Parse(page.Body)!["next"]!.GetValue<string>();
        await Step("list next page", TestRequest.Get("/api/todos?limit=2&after=" + Uri.EscapeDataString(next)));
        await Step("list done", TestRequest.Get("/api/todos?done=true"));
        await Step("list bad parameters", TestRequest.Get("/api/todos?done=maybe&limit=0&after=zz"));
        await Step("get bad id", TestRequest.Get("/api/todos/abc"));
        await Step("get zero id", TestRequest.Get("/api/todos/0"));
        await Step("get missing", TestRequest.Get("/api/todos/99"));
        await Step("create text/plain", TestRequest.Post("/api/todos", """{ "title": "x" }""", "text/plain"));
        await Step("create without content type", TestRequest.Post("/api/todos", """{ "title": "x" }""", null));
        await Step("create latin-1", TestRequest.Post("/api/todos", """{ "title": "x" }""", "application/json; charset=iso-8859-1"));
        await Step("create over 64 KB", TestRequest.Post("/api/todos", "{ \"title\": \"" + new string('t', 65_536) + "\" }"));
        await Step("create malformed", TestRequest.Post("/api/todos", """{ "title": """));
        await Step("create invalid fields", TestRequest.Post("/api/todos", """{ "title": "", "dueAt": "2026-12-01T09:30:00", "colour": "red" }"""));
        await Step("create not an object", TestRequest.Post("/api/todos", "[1, 2]"));
        var etag = JsonNode.Parse(first.Body)!["etag"]!.GetValue<string>();
        await Step("replace without If-Match", TestRequest.Put("/api/todos/1", """{ "title": "x" }""", null));
        await Step("replace weak If-Match", TestRequest.Put("/api/todos/1", """{ "title": "x" }""", "W/" + etag));
        await Step("replace If-Match *", TestRequest.Put("/api/todos/1", """{ "title": "x" }""", "*"));
        await Step("replace", TestRequest.Put("/api/todos/1", """{ "title": "Buy oat milk", "isDone": true }""", etag));
        await Step("replace stale", TestRequest.Put("/api/todos/1", """{ "title": "lost update" }""", etag));
        await Step("replace missing", TestRequest.Put("/api/todos/99", """{ "title": "nobody" }""", etag));
        await Step("delete", TestRequest.Delete("/api/todos/2"));
        await Step("delete again", TestRequest.Delete("/api/todos/2"));
        await Step("get deleted", TestRequest.Get("/api/todos/2"));
        await Step("health", TestRequest.Get("/api/health"));
        server.Faults.FailNextStatement(547, "The INSERT statement conflicted with the CHECK constraint \"CK_Todos_Title_NotBlank\".");
        await Step("failing statement", TestRequest.Post("/api/todos", """{ "title": "x" }"""));
        server.Faults.FailNextStatement(40613, "Database 'appdb' on server 'localhost' is not currently available.", 20);
        await Step("transient statement error", TestRequest.Get("/api/todos/1"));
        await Step("get after the faults", TestRequest.Get("/api/todos/1"));
        return exchanges;
    }

    /// <summary>What a client can tell about one answer, minus what is not the app's.</summary>
    private sealed record Exchange(string Step, int Status, string Headers, string Body)
    {
        public static Exchange From(HttpAnswer answer) =>
            Of(answer.Status, answer.Headers.Select(h => (h.Key, h.Value)), answer.Body);

        public static Exchange From(HttpInvocationResult result)
        {
            var response = result.Response ?? throw new InvalidOperationException($"The worker gave no response: {result}");
            var headers = response.Headers.Concat(response.Content.Headers).Select(h => (h.Key, string.Join(",", h.Value)));
            return Of((int)response.StatusCode, headers, result.Body);
        }

        public override string ToString() => $"{Status} [{Headers}] {Body}";

        private static Exchange Of(int status, IEnumerable<(string Name, string Value)> headers, string body)
        {
            var kept = headers.Where(h => !TransportHeaders.Contains(h.Name)).Select(h => $"{h.Name.ToLowerInvariant()}: {h.Value}").Order(StringComparer.Ordinal);
            var text = string.Join("; ", kept);
            return new Exchange(string.Empty, status, text, Normalized(body));
        }

        private static string Normalized(string body)
        {
            if (body.Length == 0 || (body[0] != '{' && body[0] != '['))
            {
                return body;
            }

            var node = JsonNode.Parse(body)!;
            if (node is JsonObject document)
            {
                if (document["invocationId"] is JsonValue id && id.GetValue<string>().Length > 0)
                {
                    document["invocationId"] = "<present>";
                }

                foreach (var check in new[] { "token", "sql" })
                {
                    if (document[check] is JsonObject part && part.ContainsKey("latencyMs"))
                    {
                        part["latencyMs"] = "<measured>";
                    }
                }
            }

            return node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        }
    }
}
