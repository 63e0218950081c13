using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Health;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Health;

internal sealed class HealthTests
{
    private AppPeers _peer = null!;
    private readonly List<string> _issuedTokens = [];

    [OneTimeSetUp]
    public void StartPeer() => _peer = AppPeers.Start();

    [OneTimeTearDown]
    public async Task StopPeer() => await _peer.DisposeAsync();

    [SetUp]
    public void Reset()
    {
        _peer.Server.Faults.Clear();
        _peer.Server.ResetCounters();
        _issuedTokens.Clear();
    }

    [Test]
    public async Task Healthy_when_a_token_comes_and_select_1_answers()
    {
        var credential = RecordingCredential();
        var app = _peer.App(credential);

        var result = await Check(app);

        Assert.That(result.Status, Is.EqualTo(200), result.Body);
        Assert.That(result.ContentType, Is.EqualTo("application/json; charset=utf-8"));
        var body = result.Json();
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("healthy"));
            Assert.That(body.GetProperty("token").GetProperty("status").GetString(), Is.EqualTo("healthy"));
            Assert.That(body.GetProperty("token").GetProperty("credential").GetString(), Is.EqualTo(nameof(ScriptedCredential)));
            Assert.That(body.GetProperty("token").GetProperty("latencyMs").GetInt64(), Is.GreaterThanOrEqualTo(0));
            Assert.That(body.GetProperty("sql").GetProperty("status").GetString(), Is.EqualTo("healthy"));
            Assert.That(body.GetProperty("sql").GetProperty("latencyMs").GetInt64(), Is.GreaterThanOrEqualTo(0));
            Assert.That(body.GetProperty("token").TryGetProperty("error", out _), Is.False);
        });
        Assert.That(_peer.Server.Statements.Select(s => s.Text), Is.EqualTo(new[] { SessionContext.SetProcedure, HealthSql.Ping }), "the probe's session says whom it serves, like any other");
        Assert.That(credential.Scopes.Select(s => s.Single()), Is.All.EqualTo("https://database.windows.net/.default"));
        Assert.That(_issuedTokens, Is.Not.Empty);
        Assert.That(result.Body, Does.Not.Contain(_issuedTokens[0]), "never shows a token");
    }

    [Test]
    public async Task A_credential_failure_is_503_naming_the_token_check()
    {
        var failing = new ScriptedCredential((_, _) => Task.FromException<AccessToken>(new CredentialUnavailableException("ManagedIdentityCredential: no identity endpoint")));
        var app = _peer.App(failing);

        var result = await Check(app);

        Assert.That(result.Status, Is.EqualTo(503));
        Assert.That(result.Headers["Retry-After"], Is.EqualTo("10"));
        var body = result.Json();
        Assert.That(body.GetProperty("status").GetString(), Is.EqualTo("unhealthy"));
        Assert.That(body.GetProperty("token").GetProperty("status").GetString(), Is.EqualTo("unhealthy"));
        Assert.That(body.GetProperty("token").GetProperty("error").GetString(), Is.EqualTo("no access token"));
        Assert.That(body.GetProperty("sql").GetProperty("status").GetString(), Is.EqualTo("unhealthy"), "no login without a token");
        Assert.That(_peer.Server.Statements, Is.Empty);
    }

    [Test]
    public async Task A_sql_error_is_503_naming_the_sql_check()
    {
        var app = _peer.App(RecordingCredential());
        _peer.Server.Faults.FailNextStatement(208, "Invalid object name 'x'.");

        var result = await Check(app);

        Assert.That(result.Status, Is.EqualTo(503));
        var body = result.Json();
        Assert.That(body.GetProperty("token").GetProperty("status").GetString(), Is.EqualTo("healthy"));
        Assert.That(body.GetProperty("sql").GetProperty("status").GetString(), Is.EqualTo("unhealthy"));
        Assert.That(body.GetProperty("sql").GetProperty("error").GetString(), Is.EqualTo("SQL error 208"));
        Assert.That(result.Body, Does.Not.Contain("Invalid object name"), "only the kind of failure is shown");
    }

    [Test]
    public async Task A_slow_database_is_503_within_the_check_timeout()
    {
        var app = _peer.App(RecordingCredential(), ("Health__CheckTimeout", "00:00:00.5"));
        await Check(app); // a warm pool: the delay below hits the statement, not the login
        _peer.Server.Faults.RequestDelay = TimeSpan.FromSeconds(20);
        var started = TimeProvider.System.GetTimestamp();

        var result = await Check(app);

        Assert.That(TimeProvider.System.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(10)));
        Assert.That(result.Status, Is.EqualTo(503));
        var sql = result.Json().GetProperty("sql");
        Assert.That(sql.GetProperty("error").GetString(), Does.StartWith("timed out"));
    }

    [Test]
    public async Task Liveness_is_anonymous_and_touches_neither_the_credential_nor_SQL()
    {
        var credential = RecordingCredential();
        var app = _peer.App(credential);
        app.SendsTokenByDefault = false; // the platform's Health check sends no token and no key

        var result = await app.SendAsync(TestRequest.Get("/api/health/live"));
        var deepWithoutToken = await app.SendAsync(TestRequest.Get("/api/health"));

        Assert.That(result.Status, Is.EqualTo(200), result.Body);
        Assert.That(result.Json().GetProperty("status").GetString(), Is.EqualTo("alive"));
        Assert.That(credential.Requests, Is.Zero);
        Assert.That(_peer.Server.Counters.PhysicalLogins + _peer.Server.Counters.FailedLogins, Is.Zero);
        Assert.That(_peer.Server.Statements, Is.Empty, "no SELECT 1 a minute: a serverless database can auto-pause");
        var live = AppUnderTest.Functions.Single(f => f.Name == "Liveness");
        var deep = AppUnderTest.Functions.Single(f => f.Name == "Health");
        Assert.That(live.AuthLevel, Is.EqualTo("Anonymous"), "the platform's Health check sends no key");
        Assert.That(deep.AuthLevel, Is.EqualTo("Anonymous"), "the app checks the deep check's caller itself, as for the API");
        Assert.That(deepWithoutToken.Status, Is.EqualTo(401), "the deep check needs a bearer token");
    }

    [Test]
    public async Task With_production_defaults_a_database_that_keeps_refusing_logins_is_reported_in_the_check_timeout_as_its_SQL_error()
    {
        // Connect Timeout=30 as infra sets it, SqlClient's default ConnectRetryCount, the app's default retries and
        // Health__CheckTimeout (5 s): the probe makes one login attempt and reports what the database said.
        var app = _peer.App(RecordingCredential(), ("Sql__ConnectionString", ProductionConnectionString()));
        _peer.Server.Faults.FailNextLogins(40613, count: 100);
        var started = TimeProvider.System.GetTimestamp();

        var result = await Check(app);

        Assert.That(TimeProvider.System.GetElapsedTime(started), Is.LessThan(TimeSpan.FromSeconds(5)));
        Assert.That(result.Status, Is.EqualTo(503));
        Assert.That(result.Json().GetProperty("sql").GetProperty("error").GetString(), Is.EqualTo("SQL error 40613"));
        Assert.That(_peer.Server.Counters.FailedLogins, Is.EqualTo(1), "a probe does not retry");
    }

    [Test]
    public async Task With_production_defaults_a_login_that_hangs_is_answered_at_the_check_timeout_not_after_the_open()
    {
        var app = _peer.App(RecordingCredential(), ("Sql__ConnectionString", ProductionConnectionString()));
        _peer.Server.Faults.LoginDelay = TimeSpan.FromSeconds(12);
        var started = TimeProvider.System.GetTimestamp();

        var result = await Check(app);

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        Assert.That(elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(4.5)).And.LessThan(TimeSpan.FromSeconds(10)), "Health__CheckTimeout (5 s) holds");
        Assert.That(result.Status, Is.EqualTo(503));
        Assert.That(result.Json().GetProperty("sql").GetProperty("error").GetString(), Is.EqualTo("timed out after 5 s"));
        _peer.Server.Faults.LoginDelay = TimeSpan.Zero;
        await _peer.Server.Counters.WaitUntilAsync(c => c.PhysicalLogins == 1, TimeSpan.FromSeconds(40));
        Microsoft.Data.SqlClient.SqlConnection.ClearAllPools();
        await _peer.Server.Counters.WaitUntilAsync(c => c.OpenSessions == 0, TimeSpan.FromSeconds(10));
    }

    [Test]
    public async Task The_token_scope_follows_the_configured_resource()
    {
        var credential = RecordingCredential();
        var app = _peer.App(credential, ("Health__TokenResource", "https://database.usgovcloudapi.net/"));

        await Check(app);

        Assert.That(credential.Scopes.Select(s => s.Single()), Does.Contain("https://database.usgovcloudapi.net/.default"));
    }

    [TestCase("Health__CheckTimeout", "soon")]
    [TestCase("Health__CheckTimeout", "00:10:00")]
    [TestCase("Health__TokenResource", "http://database.windows.net/")]
    [TestCase("Health__TokenResource", "not a url")]
    public void Bad_settings_name_the_setting(string setting, string value)
    {
        var failure = StartupSettings.Rejects((setting, value));

        Assert.That(failure.Message, Does.StartWith(setting + ": "));
    }

    /// <summary>The peer as infra connects: Connect Timeout=30, SqlClient's own ConnectRetryCount at its default (and no pool blocking period, as Auto gives Azure SQL hosts).</summary>
    private string ProductionConnectionString() => _peer.Server.ConnectionString(AzureSqlFunctions.TestPeers.Tds.TdsEncryption.Off) + "Connect Timeout=30;Pool Blocking Period=NeverBlock;";

    private static Task<HttpAnswer> Check(AppUnderTest app) => app.SendAsync(TestRequest.Get("/api/health"));

    private ScriptedCredential RecordingCredential() => ScriptedCredential.Issuing(() =>
    {
        var issued = _peer.Issuer.Issue(_peer.Principal);
        lock (_issuedTokens)
        {
            _issuedTokens.Add(issued.Token);
        }

        return new AccessToken(issued.Token, issued.ExpiresOn);
    });
}
