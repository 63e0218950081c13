using System.Net;
using AzureSqlFunctions.Cors;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.EndToEnd;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Auth;

/// <summary>
/// Sign-in through the shipped worker process, driven by the host peer as the Functions host drives it (HTTP proxied
/// to the worker's ASP.NET Core integration): the real Program.cs pipeline refuses calls without a valid token before
/// any SQL, lets a valid one through to the TDS peer, serves the OpenAPI document to anyone, exposes the CORS headers,
/// reads the sign-in metadata once, and writes no bearer token to its logs or output. This is also how end-to-end tests
/// sign in: <see cref="ApiSignIn.Settings"/> in the worker's app settings, <see cref="ApiSignIn.Authorize"/> per request.
/// </summary>
internal sealed class WorkerSignInTests
{
    private const string JwtStart = "eyJ";

    private readonly TodoTable _table = new();
    private readonly TestPrincipal _alice = TestPrincipal.Create("alice@contoso.com");
    private readonly List<string> _tokensSent = [];
    private ApiSignIn _signIn = null!;
    private ShippedApp _app = null!;

    private FunctionsHostPeer Host => _app.Host;

    private TdsServer Sql => _app.Sql;

    [OneTimeSetUp]
    public async Task StartWorker()
    {
        // An issuer of its own (not the shared one), so its metadata requests count this worker's alone.
        _signIn = await ApiSignIn.StartAsync();
        _app = await ShippedApp.StartAsync(prepare: (peers, _) => _table.ServeOn(peers.Server), signIn: _signIn);
    }

    [OneTimeTearDown]
    public async Task StopWorker()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (_signIn is not null)
        {
            await _signIn.DisposeAsync();
        }
    }

    [SetUp]
    public void Reset()
    {
        _table.Clear();
        Sql.ResetCounters();
    }

    [Test]
    public async Task A_call_without_a_token_is_401_with_a_challenge_and_runs_no_SQL()
    {
        var result = await Host.SendHttpAsync(new HttpRequestMessage(HttpMethod.Get, "/api/todos"));

        Assert.Multiple(() =>
        {
            Assert.That(result.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), result.ToString());
            Assert.That(result.Header("WWW-Authenticate"), Is.EqualTo("Bearer"));
            Assert.That(result.Header("Content-Type"), Does.StartWith("application/problem+json"));
            Assert.That(result.Body, Does.Contain(ProblemTypes.BearerTokenMissing));
            Assert.That(Sql.Statements, Is.Empty);
        });
    }

    [Test]
    public async Task A_client_principal_header_without_a_token_is_401()
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/todos");
        request.Headers.Add("X-MS-CLIENT-PRINCIPAL-ID", _alice.ObjectId);
        request.Headers.Add("X-MS-CLIENT-PRINCIPAL", "eyJhdXRoX3R5cCI6ImFhZCJ9");

        var result = await Host.SendHttpAsync(request);

        Assert.That(result.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), result.ToString());
        Assert.That(Sql.Statements, Is.Empty);
    }

    [Test]
    public async Task A_valid_token_reaches_the_database_and_one_without_the_scope_is_403()
    {
        var allowed = await Host.SendHttpAsync(ApiSignIn.Authorize(new HttpRequestMessage(HttpMethod.Get, "/api/todos"), Remember(_signIn.UserToken(_alice))));
        var statementsAfterAllowed = Sql.Statements.Count;
        var forbidden = await Host.SendHttpAsync(ApiSignIn.Authorize(new HttpRequestMessage(HttpMethod.Get, "/api/todos"), Remember(_signIn.UserToken(_alice, "User.Read"))));

        Assert.Multiple(() =>
        {
            Assert.That(allowed.StatusCode, Is.EqualTo(HttpStatusCode.OK), allowed.ToString());
            Assert.That(allowed.Header(ExposedHeadersMiddleware.HeaderName), Is.EqualTo(ExposedHeadersMiddleware.Exposed));
            Assert.That(statementsAfterAllowed, Is.Positive, "the list ran at the TDS peer");
            Assert.That(forbidden.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), forbidden.ToString());
            Assert.That(forbidden.Header("WWW-Authenticate"), Does.StartWith("Bearer error=\"insufficient_scope\""));
            Assert.That(Sql.Statements, Has.Count.EqualTo(statementsAfterAllowed), "the 403 ran nothing");
        });
    }

    [Test]
    public async Task The_OpenAPI_document_needs_no_token()
    {
        var result = await Host.SendHttpAsync(new HttpRequestMessage(HttpMethod.Get, "/api/openapi.json"));

        Assert.Multiple(() =>
        {
            Assert.That(result.StatusCode, Is.EqualTo(HttpStatusCode.OK), result.ToString());
            Assert.That(result.Body, Does.Contain("\"openapi\": \"3.1.0\"").And.Contain(_signIn.Provider.TenantId));
        });
    }

    [Test]
    public async Task Many_calls_read_the_metadata_once_and_no_log_or_output_line_carries_a_bearer_token()
    {
        for (var i = 0; i < 10; i++)
        {
            var result = await Host.SendHttpAsync(ApiSignIn.Authorize(new HttpRequestMessage(HttpMethod.Get, "/api/todos"), Remember(_signIn.UserToken(_alice))));
            Assert.That(result.StatusCode, Is.EqualTo(HttpStatusCode.OK), result.ToString());
        }

        await Host.SendHttpAsync(ApiSignIn.Authorize(new HttpRequestMessage(HttpMethod.Get, "/api/todos"), Remember(_signIn.Provider.Issue(_signIn.UserRequest(_alice) with { Expires = DateTimeOffset.UtcNow.AddMinutes(-10), NotBefore = DateTimeOffset.UtcNow.AddHours(-1), IssuedAt = DateTimeOffset.UtcNow.AddHours(-1) }))));
        var lines = _app.AllOutput();

        Assert.Multiple(() =>
        {
            Assert.That(_signIn.Provider.DiscoveryRequests, Is.EqualTo(1));
            Assert.That(_signIn.Provider.KeysRequests, Is.EqualTo(1));
            Assert.That(lines, Has.Some.Contains("refused"), "the expired token's refusal was logged, so the lines were checked");
            Assert.That(lines.Where(line => line.Contains(JwtStart, StringComparison.Ordinal) || _tokensSent.Any(token => line.Contains(token, StringComparison.Ordinal))), Is.Empty);
        });
    }

    private string Remember(string token)
    {
        _tokensSent.Add(token);
        return token;
    }
}
