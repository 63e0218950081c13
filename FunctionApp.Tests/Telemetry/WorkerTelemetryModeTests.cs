using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.TestPeers.Tds;
using AzureSqlFunctions.TestPeers.Tds;
using AzureSqlFunctions.Tests.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.Tests.Telemetry;

/// <summary>
/// What the shipped worker tells the host about its telemetry, and what that does to its log lines, through the host
/// peer. Exporting to Application Insights, it announces the OpenTelemetry capability (the host then stops copying its
/// telemetry) and its log lines reach the host without an invocation id (azure-functions-dotnet-worker#3489). Without a
/// connection string — Core Tools on a laptop — it announces nothing and every line of an invocation carries its id,
/// which is what the host needs to show it.
/// </summary>
internal sealed class WorkerTelemetryModeTests
{
    private const string Capability = "WorkerOpenTelemetryEnabled";

    // A developer who is not logged in to the Azure CLI: the login the timer's purge makes asks for a token, the
    // credential fails at once, and the token source logs that warning inside the invocation.
    private TdsTestContext _sql = null!;
    private AzCliStandIn _az = null!;
    private IDisposable _path = null!;

    private (string Key, string? Value)[] Settings =>
    [
        ("Sql__ConnectionString", _sql.Server.ConnectionString(TdsEncryption.Off) + AppPeers.ConnectionOptions),
        ("Sql__AllowInsecureTransport", "true"),
        ("Sql__Credential", "AzureCli"),
        ("Maintenance__PurgeSchedule", "0 0 3 * * *"),
        // The purge's login makes the first token request: a start-up login would make it (and log its warning, with no
        // invocation id) before any invocation.
        ("Sql__LoginAtStartup", "false"),
    ];

    [OneTimeSetUp]
    public async Task LoggedOutAzureCli()
    {
        _sql = TdsTestContext.Start();
        _az = await AzCliStandIn.StartAsync(_sql.Issuer, TestPrincipal.Create("developer@contoso.com"));
        _az.LoggedOut = true;
        _path = _az.PutFirstOnPath(); // the worker inherits this PATH
    }

    [OneTimeTearDown]
    public async Task StopAzureCli()
    {
        _path.Dispose();
        await _az.DisposeAsync();
        await _sql.DisposeAsync();
    }

    [Test]
    public async Task Without_Application_Insights_the_worker_keeps_host_telemetry_and_its_log_lines_carry_the_invocation_id()
    {
        await using var host = await FunctionsHostPeer.StartAsync(ShippedWorker.Options([.. Settings, ("APPLICATIONINSIGHTS_CONNECTION_STRING", null)]));

        var run = await host.InvokeTimerAsync("PurgeDeletedTodos");
        var warning = await TokenFailureLogged(host);

        Assert.That(host.WorkerCapabilities.ContainsKey(Capability), Is.False);
        Assert.That(run.Succeeded, Is.False, "no token, no purge");
        Assert.That(warning.InvocationId, Is.EqualTo(run.InvocationId));
    }

    [Test]
    public async Task Exporting_to_Application_Insights_the_worker_takes_over_its_telemetry_and_its_log_lines_lose_the_invocation_id()
    {
        await using var host = await FunctionsHostPeer.StartAsync(ShippedWorker.Options(
            [.. Settings, ("APPLICATIONINSIGHTS_CONNECTION_STRING", "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/")]));

        await host.InvokeTimerAsync("PurgeDeletedTodos");
        var warning = await TokenFailureLogged(host);

        Assert.That(host.WorkerCapabilities[Capability], Is.EqualTo(bool.TrueString));
        Assert.That(warning.InvocationId, Is.Null.Or.Empty, "the upstream behaviour README describes: such lines never reach the host's console");
    }

    private static Task<WorkerLog> TokenFailureLogged(FunctionsHostPeer host) =>
        host.WaitForLogAsync(log => log.Category == typeof(AccessTokenSource).FullName && log.Message.Contains("failed to give an access token", StringComparison.Ordinal));
}
