using System.Diagnostics.Metrics;
using AzureSqlFunctions.Telemetry;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace AzureSqlFunctions.Tests.Telemetry;

/// <summary>The app's metrics move with real traffic through SqlClient and the TDS peer.</summary>
public sealed class SqlMetricsEndToEndTests
{
    [Test]
    public async Task Token_open_and_invocation_metrics_count_real_traffic()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App();
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        using var tokenRequests = new MetricCollector<long>(meters, SqlMetrics.MeterName, "sql.token.requests");
        using var cacheHits = new MetricCollector<long>(meters, SqlMetrics.MeterName, "sql.token.cache_hits");
        using var openDuration = new MetricCollector<double>(meters, SqlMetrics.MeterName, "sql.connection.open.duration");
        using var opened = new MetricCollector<long>(meters, SqlMetrics.MeterName, "sql.invocation.connections_opened");
        using var notOpened = new MetricCollector<long>(meters, SqlMetrics.MeterName, "sql.invocation.connections_not_opened");

        for (var i = 0; i < 3; i++)
        {
            await app.SelectOneAsync();
            using var connection = app.Services.GetRequiredService<SqlConnectionFactory>().Create();
            SqlConnection.ClearPool(connection); // each invocation logs in anew, asking for a token
        }

        await app.SelectOneAsync(); // a fourth login: the pool was just cleared
        await app.SelectOneAsync(); // served by that session from the pool: counted as opened, not timed
        await app.RunHttpAsync(_ => Task.FromResult<Microsoft.AspNetCore.Http.IResult?>(null));
        opened.RecordObservableInstruments(); // observable counters report their totals when collected
        notOpened.RecordObservableInstruments();

        Assert.Multiple(() =>
        {
            Assert.That(tokenRequests.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1), "one request, then the cache");
            Assert.That(cacheHits.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(3));
            Assert.That(openDuration.GetMeasurementSnapshot(), Has.Count.EqualTo(4), "the four logins are timed; the pooled open is not");
            Assert.That(openDuration.GetMeasurementSnapshot().Select(m => m.Value), Is.All.GreaterThan(0));
            Assert.That(opened.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(5));
            Assert.That(notOpened.GetMeasurementSnapshot().EvaluateAsCounter(), Is.EqualTo(1));
        });
    }
}
