using System.Diagnostics;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.Tests.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>
/// The token side of the fault matrix, through the app's real credential (built from its settings), the identity
/// peers, real SqlClient and the TDS peer: every failure is a 503 within a bounded time, and a still-valid cached
/// token keeps the app working while the identity endpoint is down.
/// </summary>
public sealed class TokenFaultTests
{
    /// <summary>Generous for a loaded 2-core CI machine; the app's own bounds are a few seconds.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private TokenIssuer _issuer = null!;
    private TestPrincipal _identity = null!;
    private ManagedIdentityEndpoint _endpoint = null!;
    private IDisposable _environment = null!;

    [SetUp]
    public async Task SetUp()
    {
        MsalSharedState.Reset();
        _issuer = new TokenIssuer();
        _identity = TestPrincipal.Create("func-identity");
        _endpoint = await ManagedIdentityEndpoint.StartAsync(_issuer, _identity);
        _environment = _endpoint.ApplyToEnvironment();
    }

    [TearDown]
    public async Task TearDown()
    {
        _environment.Dispose();
        await _endpoint.DisposeAsync();
        _issuer.Dispose();
        MsalSharedState.Reset();
    }

    [Test]
    public async Task An_identity_endpoint_answering_500_gives_a_503_within_a_bounded_time()
    {
        await using var app = StartApp();
        _endpoint.Faults.FailAlways = true;

        await AssertTokenUnavailable(app);
        Assert.That(_endpoint.RequestCount, Is.EqualTo(3), "the app's bounded policy: one try and two retries");
    }

    [Test]
    public async Task An_identity_endpoint_slower_than_its_timeout_gives_a_503_within_a_bounded_time()
    {
        await using var app = StartApp(("Sql__OpenTimeout", "00:00:05"));
        _endpoint.Faults.Delay = TimeSpan.FromMinutes(2);

        await AssertTokenUnavailable(app, ProblemTypes.TokenUnavailable, ProblemTypes.DatabaseUnavailable);
    }

    [Test]
    public async Task An_identity_endpoint_refusing_connections_gives_a_503_within_a_bounded_time()
    {
        await using var app = StartApp();
        await _endpoint.Faults.RefuseConnectionsAsync();

        await AssertTokenUnavailable(app);
    }

    [Test]
    public async Task A_still_valid_cached_token_keeps_serving_while_the_identity_endpoint_fails()
    {
        await using var app = StartApp();
        Assert.That(await app.SelectOneAsync(isHttp: true), Is.EqualTo(1));
        _endpoint.Faults.FailAlways = true;

        for (var i = 0; i < 3; i++)
        {
            using var connection = app.Services.ConnectionFactory().Create();
            SqlConnection.ClearPool(connection); // new physical logins need a token
            Assert.That(await app.SelectOneAsync(isHttp: true), Is.EqualTo(1));
        }

        Assert.That(app.Server.Counters.LoginsBy(_identity.ObjectId), Is.EqualTo(4));
        Assert.That(_endpoint.RequestCount, Is.EqualTo(1), "the cached token served every login");
    }

    [Test]
    public async Task A_logged_out_Azure_CLI_gives_a_503_saying_the_token_is_unavailable()
    {
        var developer = TestPrincipal.Create("developer@contoso.com");
        await using var az = await AzCliStandIn.StartAsync(_issuer, developer);
        az.LoggedOut = true;
        using var path = az.PutFirstOnPath();
        await using var app = AppOnPeer.Start(credential: (_, _) => null, principal: developer, issuer: _issuer, settings: ("Sql__Credential", "AzureCli"));

        await AssertTokenUnavailable(app);
        Assert.That(app.Server.Counters.PhysicalLogins, Is.Zero);
    }

    private AppOnPeer StartApp(params (string Key, string? Value)[] settings) =>
        AppOnPeer.Start(credential: (_, _) => null, principal: _identity, issuer: _issuer, settings: [("Sql__Credential", "ManagedIdentity"), .. settings]);

    private static Task AssertTokenUnavailable(AppOnPeer app) => AssertTokenUnavailable(app, ProblemTypes.TokenUnavailable);

    private static async Task AssertTokenUnavailable(AppOnPeer app, params string[] acceptedTypes)
    {
        var clock = Stopwatch.StartNew();
        var problem = await app.InvokeAsync(async sql => await AppOnPeer.SelectOne(sql));
        clock.Stop();

        Assert.That(problem?.Status, Is.EqualTo(503));
        Assert.That(acceptedTypes, Does.Contain(problem!.Type));
        Assert.That(problem.RetryAfter, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(clock.Elapsed, Is.LessThan(Bound));
        Assert.That(app.Server.Counters.OpenSessions, Is.Zero, "nothing left open");
    }
}
