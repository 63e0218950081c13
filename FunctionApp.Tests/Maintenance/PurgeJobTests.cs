using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.Tests.Todos;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Maintenance;

internal sealed class PurgeJobTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);
    private readonly DeletedTodos _table = new();
    private PeerHarness _peer = null!;
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The harness disposes every container it made.")]
    private IServiceProvider _app = null!;
    private FakeTimeProvider _time = null!;

    [OneTimeSetUp]
    public void StartPeer()
    {
        _peer = PeerHarness.Start();
        _table.ServeOn(_peer.Server);
        _app = _peer.App();
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
        var logger = new ListLogger<PurgeJob>();

        var result = await Run(Job(logger: logger));

        Assert.That(result, Is.EqualTo(new PurgeResult(3, 2500, PurgeStopReason.ShortBatch, Now.AddDays(-30))));
        Assert.That(_table.Count, Is.EqualTo(3));
        var batches = _peer.Sent(PurgeSql.DeleteBatch);
        Assert.That(batches, Has.Count.EqualTo(3));
        Assert.Multiple(() =>
        {
            Assert.That(batches.Select(b => PeerHarness.Parameter(b, "@Batch").Value), Is.All.EqualTo(1000));
            Assert.That(batches.Select(b => PeerHarness.Parameter(b, "@Batch").SqlType), Is.All.EqualTo("int"));
            Assert.That(batches.Select(b => PeerHarness.Parameter(b, "@Cutoff").Value), Is.All.EqualTo(Now.AddDays(-30)));
            Assert.That(batches.Select(b => PeerHarness.Parameter(b, "@Cutoff").SqlType), Is.All.StartsWith("datetimeoffset"));
            Assert.That(batches.Select(b => b.TransactionDescriptor), Is.All.Null, "each batch commits on its own");
        });
        Assert.That(logger.Messages, Has.One.Contains("2500").And.Contains("3 batches").And.Contains(nameof(PurgeStopReason.ShortBatch)));
    }

    [Test]
    public async Task A_final_empty_batch_ends_a_run_that_divides_evenly()
    {
        _table.Add(2000, Now.AddDays(-31));

        var result = await Run(Job());

        Assert.That((result.Batches, result.Rows, result.StoppedBecause), Is.EqualTo((3, 2000L, PurgeStopReason.ShortBatch)));
    }

    [Test]
    public async Task Stops_when_the_time_budget_is_spent()
    {
        _table.Add(1000, Now.AddDays(-60));
        // Each batch "takes" a minute of the fake clock, from inside the database.
        _table.OnBatch = () => _time.Advance(TimeSpan.FromMinutes(1));

        var logger = new ListLogger<PurgeJob>();

        var result = await Run(Job(logger, ("Maintenance__PurgeBatchSize", "10"), ("Maintenance__PurgeTimeBudget", "00:04:00")));

        Assert.That((result.Batches, result.Rows, result.StoppedBecause), Is.EqualTo((4, 40L, PurgeStopReason.TimeBudget)));
        Assert.That(logger.Messages, Has.One.Contains("40 soft-deleted").And.Contains("4 batches").And.Contains(nameof(PurgeStopReason.TimeBudget)));
        Assert.That(_table.Count, Is.EqualTo(960), "the next run carries on");
    }

    [Test]
    public async Task Running_again_is_harmless()
    {
        _table.Add(5, Now.AddDays(-100));
        var job = Job(("Maintenance__RetentionDays", "7"));

        var first = await Run(job);
        var second = await Run(job);

        Assert.That(first.Rows, Is.EqualTo(5));
        Assert.That(first.Cutoff, Is.EqualTo(Now.AddDays(-7)));
        Assert.That((second.Batches, second.Rows, second.StoppedBecause), Is.EqualTo((1, 0L, PurgeStopReason.ShortBatch)));
    }

    [Test]
    public async Task The_registered_job_uses_the_app_settings_and_clock()
    {
        _table.Add(2, DateTimeOffset.UtcNow.AddDays(-31));
        _table.Add(2, DateTimeOffset.UtcNow.AddDays(-1));

        var result = await Run(_app.GetRequiredService<PurgeJob>());

        Assert.That(result.Rows, Is.EqualTo(2));
        Assert.That(_table.Count, Is.EqualTo(2));
    }

    [Test]
    public void A_sql_failure_propagates_so_the_retry_policy_applies()
    {
        _table.Add(5, Now.AddDays(-100));
        _peer.Server.Faults.FailNextStatement(1205, "Transaction was deadlocked on lock resources with another process.", 13);

        var failure = Assert.ThrowsAsync<SqlException>(() => Run(Job()));

        Assert.That(failure!.Number, Is.EqualTo(1205));
        Assert.That(_table.Count, Is.EqualTo(5));
    }

    [Test]
    public void Defaults_apply_when_nothing_is_set()
    {
        var settings = MaintenanceSettings.Read(SettingsBuilder.FromAppSettings());

        Assert.That(settings, Is.EqualTo(new MaintenanceSettings { RetentionDays = 30, PurgeBatchSize = 1000, PurgeTimeBudget = TimeSpan.FromMinutes(4) }));
    }

    [TestCase("Maintenance__RetentionDays", "0")]
    [TestCase("Maintenance__RetentionDays", "thirty")]
    [TestCase("Maintenance__RetentionDays", "3651")]
    [TestCase("Maintenance__PurgeBatchSize", "0")]
    [TestCase("Maintenance__PurgeBatchSize", "1e3")]
    [TestCase("Maintenance__PurgeTimeBudget", "forever")]
    [TestCase("Maintenance__PurgeTimeBudget", "00:00:00")]
    public void Bad_settings_name_the_setting(string setting, string value)
    {
        var failure = Assert.Throws<AppSettingException>(() => MaintenanceSettings.Read(SettingsBuilder.FromAppSettings((setting, value))));

        Assert.That(failure!.Setting, Is.EqualTo(setting));
        Assert.That(failure.Message, Does.Contain(setting).And.Contain(value));
    }

    private PurgeJob Job(params (string Key, string? Value)[] settings) => Job(null, settings);

    private PurgeJob Job(ListLogger<PurgeJob>? logger, params (string Key, string? Value)[] settings) =>
        new(MaintenanceSettings.Read(SettingsBuilder.FromAppSettings(settings)), _time, logger ?? new ListLogger<PurgeJob>());

    private Task<PurgeResult> Run(PurgeJob job) => PeerHarness.RunTimerAsync(_app, job.RunAsync);
}
