using System.Text.Json;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using Microsoft.AspNetCore.Routing;

namespace AzureSqlFunctions.Tests.TestPeers.FunctionsHost;

/// <summary>What the peer puts into InvocationRequests and reads from indexing, in the shapes the host uses.</summary>
internal sealed class InvocationPayloadTests
{
    [Test]
    public void A_raw_binding_is_read_case_insensitively_with_its_http_and_timer_properties()
    {
        var http = FunctionBinding.Parse("{\"Name\":\"req\",\"TYPE\":\"httpTrigger\",\"direction\":\"In\",\"authLevel\":\"Anonymous\",\"methods\":[\"get\",\"post\"],\"route\":\"items/{id}\"}");
        var timer = FunctionBinding.Parse("{\"name\":\"timer\",\"type\":\"timerTrigger\",\"direction\":\"In\",\"schedule\":\"%Jobs:Schedule%\"}");
        var output = FunctionBinding.Parse("{\"name\":\"$return\",\"type\":\"http\",\"direction\":\"Out\"}");

        Assert.Multiple(() =>
        {
            Assert.That((http.Name, http.Type, http.Direction, http.AuthLevel, http.Route), Is.EqualTo(("req", "httpTrigger", BindingDirection.In, "Anonymous", "items/{id}")));
            Assert.That(http.Methods, Is.EqualTo(new[] { "get", "post" }));
            Assert.That(http.IsHttpTrigger && http.IsTrigger, Is.True);
            Assert.That((timer.IsTimerTrigger, timer.Schedule, timer.Methods), Is.EqualTo((true, "%Jobs:Schedule%", (IReadOnlyList<string>?)null)));
            Assert.That((output.Name, output.Direction, output.IsTrigger), Is.EqualTo((FunctionBinding.ReturnName, BindingDirection.Out, false)));
        });
    }

    [Test]
    public void A_raw_binding_without_name_type_or_a_known_direction_is_refused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => FunctionBinding.Parse("{\"type\":\"httpTrigger\",\"direction\":\"In\"}"), Throws.TypeOf<FormatException>());
            Assert.That(() => FunctionBinding.Parse("{\"name\":\"x\",\"direction\":\"In\"}"), Throws.TypeOf<FormatException>());
            Assert.That(() => FunctionBinding.Parse("{\"name\":\"x\",\"type\":\"t\",\"direction\":\"Sideways\"}"), Throws.TypeOf<FormatException>());
        });
    }

    [Test]
    public void TimerInfo_has_the_hosts_Json_NET_shape()
    {
        var status = new TimerScheduleStatus(new DateTime(2026, 12, 1, 3, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 2, 3, 0, 0, DateTimeKind.Utc), new DateTime(2026, 12, 1, 3, 0, 1, 500, DateTimeKind.Utc));

        Assert.Multiple(() =>
        {
            Assert.That(TimerInfoJson.Build(new TimerInvocation(), "0 0 3 * * *"), Is.EqualTo("{\"Schedule\":{\"AdjustForDST\":true},\"ScheduleStatus\":null,\"IsPastDue\":false}"));
            Assert.That(TimerInfoJson.Build(new TimerInvocation { IsPastDue = true }, "00:05:00"), Is.EqualTo("{\"Schedule\":{\"AdjustForDST\":false},\"ScheduleStatus\":null,\"IsPastDue\":true}"));
            Assert.That(
                TimerInfoJson.Build(new TimerInvocation { ScheduleStatus = status }, "0 0 3 * * *"),
                Is.EqualTo("{\"Schedule\":{\"AdjustForDST\":true},\"ScheduleStatus\":{\"Last\":\"2026-12-01T03:00:00Z\",\"Next\":\"2026-12-02T03:00:00Z\",\"LastUpdated\":\"2026-12-01T03:00:01.5Z\"},\"IsPastDue\":false}"));
        });
    }

    [Test]
    public void Http_trigger_metadata_holds_body_query_and_route_values_then_Query_and_Headers()
    {
        var headers = new Dictionary<string, string> { ["Host"] = "localhost:7071", ["Content-Type"] = "application/json" };
        var routeValues = new RouteValueDictionary { ["id"] = "42", ["optional"] = null };

        var metadata = HttpTriggerMetadata.Build(
            "?q=a&q=b&code=secret-key&id=from-query", routeValues, headers, "{\"title\":\"t\",\"done\":true,\"n\":3,\"tags\":[1],\"owner\":{\"id\":1},\"gone\":null}"u8.ToArray());

        Assert.Multiple(() =>
        {
            Assert.That(metadata.Keys, Is.EquivalentTo(new[] { "title", "done", "n", "owner", "q", "id", "Query", "Headers" }), "no code, no array, no nulls");
            Assert.That(metadata["q"].String, Is.EqualTo("b"), "the last value of a repeated parameter wins");
            Assert.That(metadata["id"].String, Is.EqualTo("42"), "a route value overrides a query parameter");
            Assert.That((metadata["title"].String, metadata["done"].String, metadata["n"].String), Is.EqualTo(("t", "True", "3")));
            Assert.That(metadata["owner"].Json, Is.EqualTo("{\"id\":1}"));
            Assert.That(JsonSerializer.Deserialize<Dictionary<string, string>>(metadata["Query"].Json), Is.EquivalentTo(new Dictionary<string, string> { ["q"] = "b", ["code"] = "secret-key", ["id"] = "from-query" }));
            Assert.That(JsonSerializer.Deserialize<Dictionary<string, string>>(metadata["Headers"].Json), Is.EquivalentTo(headers));
        });
    }

    [Test]
    public void The_worker_is_started_with_the_hosts_arguments_legacy_and_functions_prefixed()
    {
        var arguments = WorkerStartArguments.For("/app/App.dll", new Uri("http://127.0.0.1:5555/"), "worker-1", "request-1", int.MaxValue);

        Assert.That(string.Join(' ', arguments), Is.EqualTo(
            "/app/App.dll --host 127.0.0.1 --port 5555 --workerId worker-1 --requestId request-1 --grpcMaxMessageLength 2147483647 " +
            "--functions-uri http://127.0.0.1:5555/ --functions-worker-id worker-1 --functions-request-id request-1 --functions-grpc-max-message-length 2147483647"));
    }
}
