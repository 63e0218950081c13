using System.Diagnostics;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

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
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        endpoint.Faults.FailAlways = true;

        await AssertTokenUnavailable(peers, peers.App(credential: null));
        Assert.That(endpoint.RequestCount, Is.EqualTo(3), "the app's bounded policy: one try and two retries");
    }

    [Test]
    public async Task An_identity_endpoint_slower_than_its_timeout_gives_a_503_within_a_bounded_time()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        endpoint.Faults.Delay = TimeSpan.FromMinutes(2);

        await AssertTokenUnavailable(peers, peers.App(credential: null, ("Sql__OpenTimeout", "00:00:05")), ProblemTypes.TokenUnavailable, ProblemTypes.DatabaseUnavailable);
    }

    [Test]
    public async Task An_identity_endpoint_refusing_connections_gives_a_503_within_a_bounded_time()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        await endpoint.Faults.RefuseConnectionsAsync();

        await AssertTokenUnavailable(peers, peers.App(credential: null));
    }

    [Test]
    public async Task A_still_valid_cached_token_keeps_serving_while_the_identity_endpoint_fails()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        var app = peers.App(credential: null);
        Assert.That((await SelectOneOverHttp(app)).Status, Is.EqualTo(200));
        endpoint.Faults.FailAlways = true;

        for (var i = 0; i < 3; i++)
        {
            using var connection = app.Services.GetRequiredService<SqlConnectionFactory>().Create();
            SqlConnection.ClearPool(connection); // new physical logins need a token
            Assert.That((await SelectOneOverHttp(app)).Status, Is.EqualTo(200));
        }

        Assert.That(peers.Server.Counters.LoginsBy(peers.Principal.ObjectId), Is.EqualTo(4));
        Assert.That(endpoint.RequestCount, Is.EqualTo(1), "the cached token served every login");
    }

    [Test]
    public async Task A_logged_out_Azure_CLI_gives_a_503_saying_the_token_is_unavailable()
    {
        await using var peers = AppPeers.Start(principal: TestPrincipal.Create("developer@contoso.com"));
        await using var az = await AzCliStandIn.StartAsync(peers.Issuer, peers.Principal);
        az.LoggedOut = true;
        using var path = az.PutFirstOnPath();
        var app = peers.App(credential: null, ("Sql__Credential", "AzureCli"));

        await AssertTokenUnavailable(peers, app);
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.Zero);
    }

    private static Task<HttpAnswer> SelectOneOverHttp(AppUnderTest app) =>
        app.RunHttpAsync(async sql => TypedResults.Ok(await AppUnderTest.SelectOne(sql)));

    private static Task AssertTokenUnavailable(AppPeers peers, AppUnderTest app) => AssertTokenUnavailable(peers, app, ProblemTypes.TokenUnavailable);

    private static async Task AssertTokenUnavailable(AppPeers peers, AppUnderTest app, params string[] acceptedTypes)
    {
        var clock = Stopwatch.StartNew();
        var answer = await SelectOneOverHttp(app);
        clock.Stop();

        Assert.That(answer.Status, Is.EqualTo(503), answer.Body);
        Assert.That(acceptedTypes, Does.Contain(answer.Json().GetProperty("type").GetString()));
        Assert.That(int.Parse(answer.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0));
        Assert.That(clock.Elapsed, Is.LessThan(Bound));
        Assert.That(peers.Server.Counters.OpenSessions, Is.Zero, "nothing left open");
    }
}
