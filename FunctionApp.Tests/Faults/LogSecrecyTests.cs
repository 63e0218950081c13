using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>
/// Secrets stay out of logs and errors. Every line the app logs at every level (Trace up, with structured values and
/// scopes) is captured while tokens are issued, logins are refused and token acquisition fails, through the app's own
/// credentials (managed identity, Azure CLI) and the real SqlClient; none may carry token text. And a connection
/// string carrying a credential stops the app at startup without repeating the secret.
/// </summary>
internal sealed class LogSecrecyTests
{
    /// <summary>Every JWT starts with the base64url of <c>{"</c>: no log line may contain one.</summary>
    private const string JwtStart = "eyJ";

    private AppPeers _peer = null!;
    private readonly TodoTable _table = new();
    private readonly List<string> _lines = [];

    [SetUp]
    public void StartPeer()
    {
        MsalSharedState.Reset();
        _peer = AppPeers.Start();
        _table.ServeOn(_peer.Server);
        _lines.Clear();
    }

    [TearDown]
    public async Task StopPeer()
    {
        await _peer.DisposeAsync();
        MsalSharedState.Reset();
    }

    [Test]
    public async Task Managed_identity_tokens_never_reach_a_log_line_when_used_refused_or_unavailable()
    {
        await using var endpoint = await ManagedIdentityEndpoint.StartAsync(_peer.Issuer, _peer.Principal);
        using var environment = endpoint.ApplyToEnvironment();

        await using (var app = App(("Sql__Credential", "ManagedIdentity")))
        {
            Assert.That((await Create(app)).Status, Is.EqualTo(201));
            Assert.That((await Get(app)).Status, Is.EqualTo(200));

            _peer.Server.DisallowPrincipal(_peer.Principal.ObjectId);
            SqlConnection.ClearAllPools(); // the next invocation logs in again, and is refused
            AssertProblem(await Get(app), ProblemTypes.AuthenticationFailed);
            _peer.Server.AllowPrincipal(_peer.Principal.ObjectId);
            _lines.AddRange(LogLines.All(app.Logs));
        }

        MsalSharedState.Reset();
        endpoint.Faults.FailAlways = true;
        await using (var app = App(("Sql__Credential", "ManagedIdentity")))
        {
            AssertProblem(await Create(app), ProblemTypes.TokenUnavailable);
            _lines.AddRange(LogLines.All(app.Logs));
        }

        AssertNoTokenLogged(_peer.Principal, ProblemTypes.AuthenticationFailed, ProblemTypes.TokenUnavailable);
    }

    [Test]
    public async Task Azure_CLI_tokens_never_reach_a_log_line_when_used_or_logged_out()
    {
        var developer = TestPrincipal.Create("developer@contoso.com");
        _peer.Server.AllowPrincipal(developer.ObjectId);
        await using var az = await AzCliStandIn.StartAsync(_peer.Issuer, developer);
        using var path = az.PutFirstOnPath();

        await using (var app = App(("Sql__Credential", "AzureCli")))
        {
            Assert.That((await Create(app)).Status, Is.EqualTo(201));
            _lines.AddRange(LogLines.All(app.Logs));
        }

        az.LoggedOut = true;
        await using (var app = App(("Sql__Credential", "AzureCli")))
        {
            AssertProblem(await Create(app), ProblemTypes.TokenUnavailable);
            _lines.AddRange(LogLines.All(app.Logs));
        }

        AssertNoTokenLogged(developer, ProblemTypes.TokenUnavailable);
    }

    [TestCase("User ID=admin@contoso.com;Password=Sup3r-S3cret!", "Sup3r-S3cret!", TestName = "User ID and Password")]
    [TestCase("Password=Sup3r-S3cret!", "Sup3r-S3cret!", TestName = "Password alone")]
    [TestCase("Authentication=Active Directory Password;User ID=dev@contoso.com;Password=Sup3r-S3cret!", "Sup3r-S3cret!", TestName = "Entra password")]
    [TestCase("Authentication=Active Directory Service Principal;User ID=00000000-0000-0000-0000-000000000001;Password=client~secret.value", "client~secret.value", TestName = "Service principal secret")]
    [TestCase("Authentication=Active Directory Default", null, TestName = "Authentication keyword")]
    [TestCase("Integrated Security=True", null, TestName = "Integrated Security")]
    [TestCase("Password=Sup3r-S3cret!;Bogus Keyword=1", "Sup3r-S3cret!", TestName = "Password in an invalid connection string")]
    [TestCase("Password=Sup3r-S3cret!;Encrypt=sometimes", "Sup3r-S3cret!", TestName = "Password with an invalid value")]
    public void A_connection_string_carrying_a_credential_stops_the_app_at_startup_naming_the_setting_not_the_secret(string credential, string? secret)
    {
        var thrown = StartupSettings.Rejects(
            ("Sql__ConnectionString", $"Server=tcp:contoso.database.windows.net,1433;Database=appdb;Encrypt=True;{credential}"));

        Assert.That(thrown.Message, Does.StartWith("Sql__ConnectionString: "));
        if (secret is not null)
        {
            Assert.That(thrown.ToString(), Does.Not.Contain(secret), "neither the message nor an inner exception repeats the secret");
        }
    }

    /// <summary>The app with the credential its settings name (never the test's own), over the peer.</summary>
    private AppUnderTest App(params (string Key, string? Value)[] settings) =>
        AppUnderTest.Start([
            ("Sql__ConnectionString", _peer.ConnectionString()),
            ("Sql__AllowInsecureTransport", "true"),
            ("Sql__OpenRetries", "0"),
            .. settings]);

    private static Task<HttpAnswer> Create(AppUnderTest app) =>
        app.SendAsync(TestRequest.Post("/api/todos", """{ "title": "secret-free" }"""));

    private static Task<HttpAnswer> Get(AppUnderTest app) => app.SendAsync(TestRequest.Get("/api/todos/1"));

    private static void AssertProblem(HttpAnswer result, string type)
    {
        Assert.That(result.Status, Is.EqualTo(503), result.Body);
        Assert.That(result.Json().GetProperty("type").GetString(), Is.EqualTo(type));
        Assert.That(result.Body, Does.Not.Contain(JwtStart), "nor does the answer");
    }

    private void AssertNoTokenLogged(TestPrincipal principal, params string[] failuresLogged)
    {
        var tokens = _peer.Server.Counters.TokensSeenBy(principal.ObjectId);
        var lines = _lines;
        Assert.That(tokens, Is.Not.Empty, "a token was issued and used");
        Assert.That(tokens, Has.All.StartsWith(JwtStart), "the tokens are JWTs, so the eyJ check covers any of them");
        foreach (var failure in failuresLogged)
        {
            Assert.That(lines, Has.Some.Contains(failure), "the failure was logged, so its lines were checked");
        }

        var leaking = lines.Where(line => line.Contains(JwtStart, StringComparison.Ordinal) || tokens.Any(t => line.Contains(t, StringComparison.Ordinal)));
        Assert.That(leaking, Is.Empty, "log lines carrying token text");
    }
}
