using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Todos;
using static AzureSqlFunctions.Tests.EndToEnd.WorkerHttp;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// What the shipped worker exports to Application Insights (the ingestion sink peer) for signed-in reads, by the trace
/// parent the host sends. Under a host that records its invocation spans (trace flags 01) the worker records its own
/// under them and exports them, SqlClient's two commands of each read among them; under a host that records nothing
/// (flags 00) the worker exports no span (the parent-based default sampler), only its logs and metrics.
/// </summary>
internal sealed class WorkerTraceExportTests
{
    private const int Reads = 5;

    [TestCase(true)]
    [TestCase(false)]
    public async Task Spans_are_exported_when_the_host_samples_its_trace(bool sampled)
    {
        await using var ingestion = await AzureMonitorIngestionSink.StartAsync(countItems: true);
        var table = new TodoTable();
        var app = await ShippedApp.StartAsync(
            prepare: (peers, _) => table.ServeOn(peers.Server),
            sampledTraces: sampled,
            settings: ("APPLICATIONINSIGHTS_CONNECTION_STRING", ingestion.ConnectionString));
        await using (app)
        {
            table.Add("one");
            for (var i = 0; i < Reads; i++)
            {
                Assert.That((await app.Host.SendHttpAsync(Get("/api/todos/1"))).Status(), Is.EqualTo(200));
            }

            // The worker flushes its exporters as it stops.
            Assert.That(await app.Host.StopAsync(), Is.EqualTo(0));
        }

        Assert.That(ingestion.Items, Is.GreaterThan(0), "logs and metrics are exported either way");
        if (sampled)
        {
            // Each read: the session context call and the read (SqlClient's spans), under the invocation's own span.
            Assert.That(ingestion.Dependencies, Is.GreaterThanOrEqualTo(2 * Reads));
        }
        else
        {
            Assert.That(ingestion.Dependencies, Is.Zero);
        }
    }
}
