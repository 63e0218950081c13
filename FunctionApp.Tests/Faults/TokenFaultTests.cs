using System.Diagnostics;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Tests.Support;
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

    [Test]
    public async Task An_identity_endpoint_answering_500_gives_a_503_within_a_bounded_time()
    {
        await using var azure = await ManagedIdentityApp.StartAsync();
        azure.Endpoint.Faults.FailAlways = true;

        await AssertTokenUnavailable(azure.App);
        Assert.That(azure.Endpoint.RequestCount, Is.EqualTo(3), "the app's bounded policy: one try and two retries");
    }

    [Test]
    public async Task An_identity_endpoint_slower_than_its_timeout_gives_a_503_within_a_bounded_time()
    {
        await using var azure = await ManagedIdentityApp.StartAsync(settings: ("Sql__OpenTimeout", "00:00:05"));
        azure.Endpoint.Faults.Delay = TimeSpan.FromMinutes(2);

        await AssertTokenUnavailable(azure.App, ProblemTypes.TokenUnavailable, ProblemTypes.DatabaseUnavailable);
    }

    [Test]
    public async Task An_identity_endpoint_refusing_connections_gives_a_503_within_a_bounded_time()
    {
        await using var azure = await ManagedIdentityApp.StartAsync();
        await azure.Endpoint.Faults.RefuseConnectionsAsync();

        await AssertTokenUnavailable(azure.App);
    }

    [Test]
    public async Task A_still_valid_cached_token_keeps_serving_while_the_identity_endpoint_fails()
    {
        await using var azure = await ManagedIdentityApp.StartAsync();
        var app = azure.App;
        Assert.That(await app.SelectOneAsync(isHttp: true), Is.EqualTo(1));
        azure.Endpoint.Faults.FailAlways = true;

        for (var i = 0; i < 3; i++)
        {
            using var connection = app.Services.ConnectionFactory().Create();
            SqlConnection.ClearPool(connection); // new physical logins need a token
            Assert.That(await app.SelectOneAsync(isHttp: true), Is.EqualTo(1));
        }

        Assert.That(app.Server.Counters.LoginsBy(azure.Identity.ObjectId), Is.EqualTo(4));
        Assert.That(azure.Endpoint.RequestCount, Is.EqualTo(1), "the cached token served every login");
    }

    [Test]
    public async Task A_logged_out_Azure_CLI_gives_a_503_saying_the_token_is_unavailable()
    {
        using var issuer = new TokenIssuer();
        var developer = TestPrincipal.Create("developer@contoso.com");
        await using var az = await AzCliStandIn.StartAsync(issuer, developer);
        az.LoggedOut = true;
        using var path = az.PutFirstOnPath();
        await using var app = AppOnPeer.Start(credential: (_, _) => null, principal: developer, issuer: issuer, settings: ("Sql__Credential", "AzureCli"));

        await AssertTokenUnavailable(app);
        Assert.That(app.Server.Counters.PhysicalLogins, Is.Zero);
    }

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
