using System.Diagnostics;
using System.Globalization;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace AzureSqlFunctions.Tests.Telemetry;

/// <summary>
/// SqlClient's dependency spans as the app's tracer provider records them: real SqlClient commands to the TDS peer,
/// exported in memory from the app's own container. <c>Telemetry__SqlClientSpans=false</c> turns them off.
/// </summary>
public sealed class SqlClientSpansTests
{
    [Test]
    public async Task By_default_every_command_the_app_sends_is_a_dependency_span()
    {
        await using var peers = AppPeers.Start();
        var spans = new List<Activity>();
        var app = AppExportingSpansTo(spans, peers);
        using var tracer = app.Services.GetRequiredService<TracerProvider>();

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        tracer.ForceFlush();

        var toThisPeer = ToPeer(spans, peers);
        Assert.That(toThisPeer, Has.Count.EqualTo(2), "one span for each SELECT 1");
        Assert.That(toThisPeer.Select(span => span.Kind), Is.All.EqualTo(ActivityKind.Client));
    }

    [Test]
    public async Task Switched_off_the_app_records_no_SqlClient_span_and_keeps_its_own_metrics()
    {
        await using var peers = AppPeers.Start();
        var spans = new List<Activity>();
        var app = AppExportingSpansTo(spans, peers, ("Telemetry__SqlClientSpans", "false"));
        using var tracer = app.Services.GetRequiredService<TracerProvider>();

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        tracer.ForceFlush();

        Assert.That(ToPeer(spans, peers), Is.Empty);
        Assert.That(app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>(), Is.Not.Null, "the app's meter stays");
        Assert.That(peers.Server.Counters.Statements, Is.EqualTo(1), "the SELECT 1 went to the peer");
    }

    [Test]
    public void A_value_that_is_not_a_boolean_stops_the_app_naming_the_setting()
    {
        var thrown = StartupSettings.Rejects(("Telemetry__SqlClientSpans", "sometimes"));

        Assert.That(thrown.Message, Does.StartWith("Telemetry__SqlClientSpans: ").And.Contain("true or false"));
    }

    /// <summary>The app over the peers, its own tracer provider also exporting every span into <paramref name="spans"/>.</summary>
    private static AppUnderTest AppExportingSpansTo(List<Activity> spans, AppPeers peers, params (string Key, string? Value)[] settings) =>
        peers.App(peers.IssuingCredential(), configure: services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)), settings: settings);

    /// <summary>The spans of commands sent to this test's TDS peer (its port is the test's own).</summary>
    private static List<Activity> ToPeer(IEnumerable<Activity> spans, AppPeers peers)
    {
        var port = peers.Server.Port.ToString(CultureInfo.InvariantCulture);
        return [.. spans.Where(span => Convert.ToString(span.GetTagItem("server.port"), CultureInfo.InvariantCulture) == port)];
    }
}
