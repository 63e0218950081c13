using System.Globalization;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Maintenance;

/// <summary>The purge timer function through the real middleware, against a peer playing the soft-deleted rows.</summary>
internal sealed class PurgeJobTests
{
    private const string Purge = "PurgeDeletedTodos";
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private readonly DeletedTodos _table = new();

    private AppPeers _peer = null!;
    private FakeTimeProvider _time = null!;

    [OneTimeSetUp]
    public void StartPeer()
    {
        _peer = AppPeers.Start();
        _table.ServeOn(_peer.Server);
    }

    [OneTimeTearDown]
    public async Task StopPeer() => await _peer.DisposeAsync();

    [SetUp]
    public void Reset()
    {
        _table.Reset();
        _peer.Server.Faults.Clear();
        _peer.Server.ResetCounters();
        _time = new FakeTimeProvider(Now);
    }

    [Test]
    public async Task Purges_old_soft_deleted_rows_in_batches_until_a_short_batch()
    {
        _table.Add(2500, Now.AddDays(-45));
        _table.Add(3, Now.AddDays(-29)); // inside the 30-day retention: kept
        var app = App();

        await app.InvokeTimerAsync(Purge);

        Assert.That(Outcome(app), Is.EqualTo(new PurgeOutcome(3, 2500, nameof(PurgeStopReason.ShortBatch), Now.AddDays(-30))));
        Assert.That(_table.Count, Is.EqualTo(3));
        var batches = Sent(PurgeSql.DeleteBatch);
        Assert.That(batches, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(batches.Select(b => Parameter(b, "@Batch").Value), Is.All.EqualTo(1000));
            Assert.That(batches.Select(b => Parameter(b, "@Batch").SqlType), Is.All.EqualTo("int"));
            Assert.That(batches.Select(b => Parameter(b, "@Cutoff").Value), Is.All.EqualTo(Now.AddDays(-30)));
            Assert.That(batches.Select(b => Parameter(b, "@Cutoff").SqlType), Is.All.StartsWith("datetimeoffset"));
            Assert.That(batches.Select(b => b.TransactionDescriptor), Is.All.Null, "each batch commits on its own");
        });
        Assert.That(app.Logs.GetSnapshot().Select(r => r.Message), Has.One.Contains("2500").And.Contains("3 batches").And.Contains(nameof(PurgeStopReason.ShortBatch)));
    }

    [Test]
    public async Task A_final_empty_batch_ends_a_run_that_divides_evenly()
    {
        _table.Add(2000, Now.AddDays(-31));
        var app = App();

        await app.InvokeTimerAsync(Purge);

        Assert.That(Outcome(app), Is.EqualTo(new PurgeOutcome(3, 2000, nameof(PurgeStopReason.ShortBatch), Now.AddDays(-30))));
    }

    [Test]
    public async Task Stops_when_the_time_budget_is_spent()
    {
        _table.Add(1000, Now.AddDays(-60));
        // Each batch "takes" a minute of the fake clock, from inside the database.
        _table.OnBatch = () => _time.Advance(TimeSpan.FromMinutes(1));
        var app = App(("Maintenance__PurgeBatchSize", "10"), ("Maintenance__PurgeTimeBudget", "00:04:00"));

        await app.InvokeTimerAsync(Purge);

        var outcome = Outcome(app);
        Assert.That((outcome.Batches, outcome.Rows, outcome.Reason), Is.EqualTo((4, 40L, nameof(PurgeStopReason.TimeBudget))));
        Assert.That(app.Logs.GetSnapshot().Select(r => r.Message), Has.One.Contains("40 soft-deleted").And.Contains("4 batches").And.Contains(nameof(PurgeStopReason.TimeBudget)));
        Assert.That(_table.Count, Is.EqualTo(960), "the next run carries on");
    }

    [Test]
    public async Task Running_again_is_harmless()
    {
        _table.Add(5, Now.AddDays(-100));
        var app = App(("Maintenance__RetentionDays", "7"));

        await app.InvokeTimerAsync(Purge);
        var first = Outcome(app);
        app.Logs.Clear();
        await app.InvokeTimerAsync(Purge);
        var second = Outcome(app);

        Assert.That(first.Rows, Is.EqualTo(5));
        Assert.That(first.Cutoff, Is.EqualTo(Now.AddDays(-7)));
        Assert.That((second.Batches, second.Rows, second.Reason), Is.EqualTo((1, 0L, nameof(PurgeStopReason.ShortBatch))));
    }

    [Test]
    public async Task With_the_system_clock_and_default_settings_it_purges_past_30_days()
    {
        _table.Add(2, DateTimeOffset.UtcNow.AddDays(-31));
        _table.Add(2, DateTimeOffset.UtcNow.AddDays(-1));
        var app = _peer.App();

        await app.InvokeTimerAsync(Purge);

        Assert.That(Outcome(app).Rows, Is.EqualTo(2));
        Assert.That(_table.Count, Is.EqualTo(2));
    }

    [Test]
    public void A_sql_failure_propagates_so_the_retry_policy_applies()
    {
        _table.Add(5, Now.AddDays(-100));
        _peer.Server.Faults.FailNextStatement(1205, "Transaction was deadlocked on lock resources with another process.", 13);
        var app = App();

        var failure = Assert.ThrowsAsync<SqlException>(() => app.InvokeTimerAsync(Purge));

        Assert.That(failure!.Number, Is.EqualTo(1205));
        Assert.That(_table.Count, Is.EqualTo(5));
    }

    [Test]
    public async Task Expired_Idempotency_Key_records_are_purged_after_the_todos_in_the_same_budget()
    {
        _table.Add(3, Now.AddDays(-40));
        _table.ExpiredKeys!.Add(1500, Now.AddHours(-25)); // past the 24-hour retention
        _table.ExpiredKeys!.Add(4, Now.AddHours(-23));
        var app = App();

        await app.InvokeTimerAsync(Purge);

        Assert.That(_table.Count, Is.Zero);
        Assert.That(_table.ExpiredKeys!.Count, Is.EqualTo(4), "records inside the retention stay");
        var batches = Sent(PurgeSql.DeleteExpiredCreateRequests);
        Assert.That(batches, Has.Count.EqualTo(2));
        Assert.That(batches.Select(b => Parameter(b, "@Cutoff").Value), Is.All.EqualTo(Now.AddHours(-24)));
        Assert.That(app.Logs.GetSnapshot().Select(r => r.Message), Has.One.Contains("1500 expired Idempotency-Key records"));
    }

    [Test]
    public async Task Each_batch_has_a_command_timeout_so_a_stuck_delete_ends_the_run_within_it()
    {
        _table.Add(5, Now.AddDays(-100));
        _table.StallsBatches = true;
        var app = App(("Maintenance__PurgeBatchTimeout", "00:00:02"));
        var started = TimeProvider.System.GetTimestamp();

        var failure = Assert.ThrowsAsync<SqlException>(() => app.InvokeTimerAsync(Purge));

        Assert.That(failure!.Number, Is.EqualTo(-2), "SqlClient's command timeout");
        Assert.That(TimeProvider.System.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(_peer.Server.Statements[^1].Text, Is.EqualTo(PurgeSql.DeleteBatch), "the DELETE was the one stuck");
        await _peer.Server.Counters.WaitUntilAsync(c => c.Attentions == 1, TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task A_stuck_server_ends_the_run_within_the_batch_timeout_already_at_the_session_context()
    {
        _table.Add(5, Now.AddDays(-100));
        _peer.Server.Faults.RequestDelay = TimeSpan.FromSeconds(30);
        var app = App(("Maintenance__PurgeBatchTimeout", "00:00:02"));
        var started = TimeProvider.System.GetTimestamp();

        var failure = Assert.ThrowsAsync<SqlException>(() => app.InvokeTimerAsync(Purge));

        Assert.That(failure!.Number, Is.EqualTo(-2), "SqlClient's command timeout");
        Assert.That(TimeProvider.System.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(_peer.Server.Statements, Is.Empty, "the stuck request was the first after the open, the session context: no DELETE reached the server");
        Assert.That(_table.Count, Is.EqualTo(5));
        await _peer.Server.Counters.WaitUntilAsync(c => c.Attentions == 1, TimeSpan.FromSeconds(10));
    }

    [TestCase("01:00:00", "00:00:30")]
    [TestCase("00:04:01", "00:00:30")]
    [TestCase("00:04:00", "00:00:31")]
    public void A_budget_that_does_not_fit_in_host_json_functionTimeout_stops_the_app_at_startup(string budget, string batchTimeout)
    {
        var failure = StartupSettings.Rejects(("Maintenance__PurgeTimeBudget", budget), ("Maintenance__PurgeBatchTimeout", batchTimeout));

        Assert.That(failure.Message, Does.StartWith("Maintenance__PurgeTimeBudget: ").And.Contain("functionTimeout (00:05:00)").And.Contain("Maintenance__PurgeBatchTimeout"));
    }

    [Test]
    public void The_defaults_fit_in_host_json_functionTimeout_with_the_margin()
    {
        var defaults = new MaintenanceOptions();
        var functionTimeout = HostFunctionTimeout.Read();

        Assert.That(functionTimeout, Is.EqualTo(TimeSpan.FromMinutes(5)), "host.json as shipped");
        Assert.That(defaults.PurgeTimeBudget + defaults.PurgeBatchTimeout + MaintenanceOptions.FunctionTimeoutMargin, Is.LessThanOrEqualTo(functionTimeout));
    }

    [TestCase("{ \"functionTimeout\": \"00:10:00\" }", "00:10:00")]
    [TestCase("{ \"functionTimeout\": \"-1\" }", null)]
    [TestCase("{ \"version\": \"2.0\" }", "00:05:00")]
    public void FunctionTimeout_is_read_from_host_json(string hostJson, string? expected)
    {
        var path = Path.Combine(Path.GetTempPath(), $"host-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, hostJson);
        try
        {
            Assert.That(HostFunctionTimeout.Read(path), Is.EqualTo(expected is null ? (TimeSpan?)null : TimeSpan.Parse(expected, CultureInfo.InvariantCulture)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestCase("Maintenance__RetentionDays", "0")]
    [TestCase("Maintenance__RetentionDays", "thirty")]
    [TestCase("Maintenance__RetentionDays", "3651")]
    [TestCase("Maintenance__PurgeBatchSize", "0")]
    [TestCase("Maintenance__PurgeBatchSize", "1e3")]
    [TestCase("Maintenance__PurgeTimeBudget", "forever")]
    [TestCase("Maintenance__PurgeTimeBudget", "00:00:00")]
    [TestCase("Maintenance__PurgeSchedule", " ")]
    [TestCase("Maintenance__PurgeSchedule", "0 3 * * *")]
    [TestCase("Maintenance__PurgeBatchTimeout", "00:00:00")]
    [TestCase("Maintenance__PurgeBatchTimeout", "later")]
    public void Bad_settings_name_the_setting(string setting, string value)
    {
        var failure = StartupSettings.Rejects((setting, value));

        Assert.That(failure.Message, Does.StartWith(setting + ": ").And.Contain(value));
    }

    private AppUnderTest App(params (string Key, string? Value)[] settings) =>
        _peer.App(_peer.IssuingCredential(), time: _time, settings: settings);

    private List<RecordedStatement> Sent(string sql) => [.. _peer.Server.Statements.Where(s => s.Text == sql)];

    private static SqlParameterValue Parameter(RecordedStatement statement, string name) =>
        statement.Parameters.Single(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>What the run reported in its one summary log line (structured: rows, batches, reason, cutoff).</summary>
    private static PurgeOutcome Outcome(AppUnderTest app)
    {
        var record = app.Logs.GetSnapshot().Single(r => r.Id.Id == 600);
        var state = record.StructuredState!.ToDictionary(p => p.Key, p => p.Value);
        return new PurgeOutcome(
            int.Parse(state["Batches"]!, CultureInfo.InvariantCulture),
            long.Parse(state["Rows"]!, CultureInfo.InvariantCulture),
            state["Reason"]!,
            DateTimeOffset.Parse(state["Cutoff"]!, CultureInfo.InvariantCulture));
    }

    private sealed record PurgeOutcome(int Batches, long Rows, string Reason, DateTimeOffset Cutoff);
}
