using System.Diagnostics;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>
/// The login Program.cs begins while the worker starts, through the app as shipped (the worker's own host built from
/// Program.cs's statements): the real ManagedIdentityCredential against the identity endpoint peer, the real SqlClient
/// logging in to the TDS peer over TLS with the production connection string.
/// </summary>
public sealed class SqlStartupLoginTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public async Task The_first_invocation_uses_the_session_and_token_of_the_startup_login()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        var app = peers.ShippedApp(credential: null);

        var outcome = await StartupLogin(app).Completion.WaitAsync(Patience);
        Assert.That(outcome.Kind, Is.EqualTo(StartupLoginKind.LoggedIn), outcome.Error);
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1));
        Assert.That(endpoint.RequestCount, Is.EqualTo(1));

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));

        Assert.Multiple(() =>
        {
            Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1), "the invocations reused the start-up session");
            Assert.That(endpoint.RequestCount, Is.EqualTo(1), "no second token request");
            Assert.That(app.Services.GetRequiredService<Azure.Core.TokenCredential>(), Is.SameAs(StartupLogin(app).CredentialFor(app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<SqlOptions>>().Value)));
        });
    }

    [Test]
    public async Task Waiting_for_the_startup_session_counts_against_the_open_budget()
    {
        await using var peers = AppPeers.Start();
        await peers.StartManagedIdentityAsync();
        peers.Server.Faults.LoginDelay = TimeSpan.FromSeconds(5);
        var login = SqlStartupLogin.Begin(AppSettings.Configuration(ManagedIdentity(peers)));
        await using var worker = WorkerServices(login, [.. ManagedIdentity(peers), ("Sql__OpenTimeout", "00:00:01")]);
        var factory = worker.GetRequiredService<SqlConnectionFactory>();

        var waited = Stopwatch.StartNew();
        var refused = Assert.ThrowsAsync<TimeoutException>(() => factory.OpenAsync(CancellationToken.None));

        Assert.That(refused!.Message, Does.Contain("did not finish within 00:00:01"));
        Assert.That(waited.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "Sql__OpenTimeout, not the login's 5 s");
        Assert.That(login.Completion.IsCompleted, Is.False, "the start-up login was still running");
    }

    [Test]
    public async Task An_invocation_cancelled_while_it_waits_for_the_startup_session_ends_at_once()
    {
        await using var peers = AppPeers.Start();
        await peers.StartManagedIdentityAsync();
        peers.Server.Faults.LoginDelay = TimeSpan.FromSeconds(5);
        var app = peers.ShippedApp(credential: null);
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        Assert.CatchAsync<OperationCanceledException>(() => app.SelectOneAsync(cancellation.Token));

        Assert.That(StartupLogin(app).Completion.IsCompleted, Is.False, "it did not wait for the login");
    }

    [Test]
    public async Task A_startup_login_under_other_settings_than_the_workers_never_serves_the_worker()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync(); // the app's principal is the system-assigned identity
        var userAssigned = AddUserAssignedIdentity(peers, endpoint);

        // The environment names the system-assigned identity; the worker's own configuration, the user-assigned one.
        var login = SqlStartupLogin.Begin(AppSettings.Configuration(ManagedIdentity(peers)));
        Assert.That((await login.Completion.WaitAsync(Patience)).Kind, Is.EqualTo(StartupLoginKind.LoggedIn));
        Assert.That(peers.Server.Counters.LoginsBy(peers.Principal.ObjectId), Is.EqualTo(1), "the start-up session, pooled as the system-assigned identity");
        await using var worker = WorkerServices(login, [.. ManagedIdentity(peers), ("Sql__ManagedIdentityClientId", userAssigned.AppId)]);
        var factory = worker.GetRequiredService<SqlConnectionFactory>();

        for (var i = 0; i < 2; i++)
        {
            await using var connection = await factory.OpenAsync(CancellationToken.None);
        }

        Assert.Multiple(() =>
        {
            Assert.That(login.CredentialFor(worker.GetRequiredService<Microsoft.Extensions.Options.IOptions<SqlOptions>>().Value), Is.Null);
            Assert.That(peers.Server.Counters.LoginsBy(userAssigned.ObjectId), Is.EqualTo(1), "the worker's opens logged in as its own identity (the pooled one was cleared), then reused that session");
            Assert.That(peers.Server.Counters.LoginsBy(peers.Principal.ObjectId), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_startup_session_still_logging_in_when_the_workers_factory_clears_the_pool_is_never_handed_out()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        var userAssigned = AddUserAssignedIdentity(peers, endpoint);
        var held = peers.Server.Faults.HoldNextLoginAfterToken();

        // The start-up login's token (the environment's system-assigned identity) is at the server, its login not
        // answered yet, when the worker's factory is made for the user-assigned identity and clears the pool.
        var login = SqlStartupLogin.Begin(AppSettings.Configuration(ManagedIdentity(peers)));
        await held.Arrived.WaitAsync(Patience);
        await using var worker = WorkerServices(login, [.. ManagedIdentity(peers), ("Sql__ManagedIdentityClientId", userAssigned.AppId)]);
        var factory = worker.GetRequiredService<SqlConnectionFactory>();
        var first = factory.OpenAsync(CancellationToken.None);
        held.Release(); // the start-up session ends its login after the clear

        await using (await first)
        {
        }

        await using (await factory.OpenAsync(CancellationToken.None))
        {
        }

        var outcome = await login.Completion.WaitAsync(Patience);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Kind, Is.EqualTo(StartupLoginKind.LoggedIn));
            Assert.That(peers.Server.Counters.LoginsBy(peers.Principal.ObjectId), Is.EqualTo(1), "the start-up login, as the environment's identity");
            Assert.That(peers.Server.Counters.LoginsBy(userAssigned.ObjectId), Is.EqualTo(1), "never handed the start-up session: the worker logged in as its own identity");
        });
    }

    [Test]
    public async Task Switched_off_the_first_login_is_the_first_invocations()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        var app = peers.ShippedApp(credential: null, settings: ("Sql__LoginAtStartup", "false"));

        var outcome = await StartupLogin(app).Completion.WaitAsync(Patience);
        Assert.That(outcome.Kind, Is.EqualTo(StartupLoginKind.NotStarted));
        Assert.That(outcome.Error, Is.EqualTo("Sql__LoginAtStartup is false"));
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.Zero);
        Assert.That(endpoint.RequestCount, Is.Zero);

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1));
    }

    [TestCase("Password=not-allowed;")]
    [TestCase("Encrypt=False;")]
    [TestCase("TrustServerCertificate=True;")]
    public async Task Settings_the_start_refuses_make_no_connection_and_are_still_reported_by_name(string refused)
    {
        await using var peers = AppPeers.Start();
        await peers.StartManagedIdentityAsync();
        (string, string?)[] settings = [("Sql__ConnectionString", peers.ProductionConnectionString(refused)), ("Sql__Credential", "ManagedIdentity")];

        var login = SqlStartupLogin.Begin(AppSettings.Configuration(settings));
        var outcome = await login.Completion.WaitAsync(Patience);
        Assert.That(outcome.Kind, Is.EqualTo(StartupLoginKind.NotStarted));
        Assert.That(outcome.Error, Does.Contain("do not pass the app's checks"));

        var start = Assert.Throws<AppSettingException>(() => peers.ShippedApp(credential: null, settings: settings));
        Assert.That(start!.Message, Does.StartWith("Sql__ConnectionString: "));
        Assert.That(peers.Server.Counters.PhysicalLogins + peers.Server.Counters.FailedLogins, Is.Zero);
        Assert.That(peers.Server.Counters.TokensSeenBy(peers.Principal.ObjectId), Is.Empty, "a token the early request got went nowhere");
    }

    [Test]
    public async Task A_failed_startup_login_leaves_the_invocations_to_open_their_own()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        peers.Server.Faults.FailNextLogins(40613, message: "Database 'app' on server 'peer' is not currently available.");
        // As SqlClient treats Azure SQL host names (Pool Blocking Period=Auto): a failed login does not block the pool.
        var app = peers.ShippedApp(
            credential: null,
            settings: [("Sql__ConnectionString", peers.ProductionConnectionString("Pool Blocking Period=NeverBlock;")), ("Sql__OpenRetryDelay", "00:00:00.050")]);

        var outcome = await StartupLogin(app).Completion.WaitAsync(Patience);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Kind, Is.EqualTo(StartupLoginKind.Failed));
            Assert.That(outcome.ErrorType, Is.EqualTo("SqlException"));
            Assert.That(outcome.Error, Does.Contain("not currently available"));
            Assert.That(outcome.Target, Is.EqualTo(app.Services.GetRequiredService<SqlConnectionFactory>().Target));
        });

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1));
        Assert.That(endpoint.RequestCount, Is.EqualTo(1), "the token the failed login got serves the invocation's login");
    }

    [Test]
    public async Task A_token_request_that_failed_at_startup_puts_the_first_invocation_in_no_back_off()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        endpoint.Faults.FailAlways = true;
        // As SqlClient treats Azure SQL host names (Pool Blocking Period=Auto): the failed login does not block the pool.
        var app = peers.ShippedApp(credential: null, settings: ("Sql__ConnectionString", peers.ProductionConnectionString("Pool Blocking Period=NeverBlock;")));

        var outcome = await StartupLogin(app).Completion.WaitAsync(Patience);
        Assert.That(outcome.Kind, Is.EqualTo(StartupLoginKind.Failed));
        Assert.That(outcome.Error, Does.Contain(nameof(Azure.Identity.ManagedIdentityCredential)));
        var failedRequests = endpoint.RequestCount;
        endpoint.Faults.FailAlways = false;

        // Within the token source's 15 s back-off after a failure, yet the invocation asks the endpoint afresh.
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(endpoint.RequestCount, Is.GreaterThan(failedRequests));
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1));
    }

    [Test]
    public async Task Other_settings_than_the_apps_keep_the_startup_credential_out_of_the_app()
    {
        await using var peers = AppPeers.Start();
        await peers.StartManagedIdentityAsync();
        var login = SqlStartupLogin.Begin(AppSettings.Configuration(ManagedIdentity(peers)));
        await login.Completion.WaitAsync(Patience);

        var same = new SqlOptions { ConnectionString = peers.ProductionConnectionString(), Credential = SqlCredentialKind.ManagedIdentity };
        var otherCredential = new SqlOptions { ConnectionString = peers.ProductionConnectionString(), Credential = SqlCredentialKind.AzureCli };
        var otherDatabase = new SqlOptions { ConnectionString = peers.ProductionConnectionString("Initial Catalog=other;"), Credential = SqlCredentialKind.ManagedIdentity };
        Assert.Multiple(() =>
        {
            Assert.That(login.CredentialFor(same), Is.Not.Null);
            Assert.That(login.CredentialFor(otherCredential), Is.Null);
            Assert.That(login.CredentialFor(otherDatabase), Is.Null);
        });
    }

    private static SqlStartupLogin StartupLogin(AppUnderTest app) => app.Services.GetRequiredService<SqlStartupLogin>();

    /// <summary>The settings of the app on the peers with the managed-identity endpoint: production connection string, system-assigned identity.</summary>
    private static (string Key, string? Value)[] ManagedIdentity(AppPeers peers) =>
        [("Sql__ConnectionString", peers.ProductionConnectionString()), ("Sql__Credential", "ManagedIdentity")];

    /// <summary>A second identity: served by <paramref name="endpoint"/> as user-assigned, and a contained user of the database.</summary>
    private static TestPrincipal AddUserAssignedIdentity(AppPeers peers, ManagedIdentityEndpoint endpoint)
    {
        var userAssigned = TestPrincipal.Create("user-assigned");
        endpoint.AddUserAssigned(userAssigned);
        peers.Server.AllowPrincipal(userAssigned.ObjectId);
        return userAssigned;
    }

    /// <summary>The app's SQL services as the worker's container holds them, from the worker's own settings.</summary>
    private static ServiceProvider WorkerServices(SqlStartupLogin login, params (string Key, string? Value)[] settings) =>
        new ServiceCollection()
            .AddSingleton(AppSettings.Configuration(settings))
            .AddLogging()
            .AddAzureSql(login)
            .BuildServiceProvider();
}
