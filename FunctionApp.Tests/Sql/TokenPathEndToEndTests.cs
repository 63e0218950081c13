using Azure.Core;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>
/// Credential → token source → the static callback → SqlClient's login, end to end: the real Azure.Identity
/// credentials against the identity peers, the real SqlClient against the TDS peer that validates every token.
/// </summary>
public sealed class TokenPathEndToEndTests
{
    [Test]
    public async Task Managed_identity_tokens_get_the_app_logged_in()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        var app = peers.App(credential: null);

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));

        Assert.That(peers.Server.Counters.LoginsBy(peers.Principal.ObjectId), Is.EqualTo(1));
        Assert.That(endpoint.RequestCount, Is.EqualTo(1));
        Assert.That(endpoint.Requests.Single().Resource, Is.EqualTo("https://database.windows.net"));
    }

    [Test]
    public async Task A_user_assigned_identity_is_asked_for_by_its_client_id()
    {
        await using var peers = AppPeers.Start(principal: TestPrincipal.Create("uami"));
        var endpoint = await peers.StartManagedIdentityAsync(userAssigned: true);
        var app = peers.App(credential: null);

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));

        Assert.That(endpoint.Requests.Single().ClientId, Is.EqualTo(peers.Principal.AppId));
        Assert.That(peers.Server.Counters.LoginsBy(peers.Principal.ObjectId), Is.EqualTo(1));
    }

    [Test]
    public async Task The_Azure_CLI_path_runs_az_once_however_many_logins_follow()
    {
        await using var peers = AppPeers.Start(principal: TestPrincipal.Create("developer@contoso.com"));
        await using var az = await AzCliStandIn.StartAsync(peers.Issuer, peers.Principal);
        using var path = az.PutFirstOnPath(); // AzureCliCredential reads PATH when it is built
        var app = peers.App(credential: null, ("Sql__Credential", "AzureCli"));

        for (var i = 0; i < 5; i++)
        {
            Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
            using var connection = app.Services.GetRequiredService<SqlConnectionFactory>().Create();
            SqlConnection.ClearPool(connection); // force a new physical login, which asks for a token again
        }

        Assert.That(peers.Server.Counters.LoginsBy(peers.Principal.ObjectId), Is.EqualTo(5));
        Assert.That(az.InvocationCount, Is.EqualTo(1), "no az process per connection");
    }

    [Test]
    public async Task Sixty_four_concurrent_cold_invocations_make_exactly_one_token_request()
    {
        await using var peers = AppPeers.Start();
        var endpoint = await peers.StartManagedIdentityAsync();
        var app = peers.App(credential: null);

        var answers = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => app.RunHttpAsync(async sql =>
            (IResult?)TypedResults.Ok(await AppUnderTest.SelectOne(sql))))));

        Assert.That(answers.Select(a => a.Status), Is.All.EqualTo(200));
        Assert.That(answers.Select(a => a.Body), Is.All.EqualTo("1"));
        Assert.That(endpoint.RequestCount, Is.EqualTo(1));
        Assert.That(peers.Server.Counters.FailedLogins, Is.Zero);
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.GreaterThanOrEqualTo(1));
    }

    [TestCase(TdsEncryption.Off)]
    [TestCase(TdsEncryption.Mandatory)]
    [TestCase(TdsEncryption.Strict)]
    public async Task Every_encryption_mode_logs_in_with_the_callback(TdsEncryption encryption)
    {
        await using var peers = AppPeers.Start();
        var app = peers.App(peers.IssuingCredential(), encryption: encryption);

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1));
    }

    [Test]
    public async Task An_expired_token_is_refused_with_18456_and_not_retried()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App(ScriptedCredential.Issuing(() =>
            new AccessToken(peers.Issuer.Issue(peers.Principal, lifetime: TimeSpan.FromMinutes(-5)).Token, DateTimeOffset.UtcNow.AddHours(1))));

        await AssertLoginRefused(app, peers.Server);
    }

    [Test]
    public async Task A_token_for_another_audience_is_refused_with_18456()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App(ScriptedCredential.Issuing(() =>
            new AccessToken(peers.Issuer.Issue(peers.Principal, audience: "https://storage.azure.com/").Token, DateTimeOffset.UtcNow.AddHours(1))));

        await AssertLoginRefused(app, peers.Server);
    }

    [Test]
    public async Task A_principal_that_is_not_a_user_of_the_database_is_refused_with_18456()
    {
        await using var peers = AppPeers.Start();
        var stranger = TestPrincipal.Create("stranger");
        var app = peers.App(ScriptedCredential.Issuing(() =>
        {
            var issued = peers.Issuer.Issue(stranger);
            return new AccessToken(issued.Token, issued.ExpiresOn);
        }));

        await AssertLoginRefused(app, peers.Server);
    }

    [Test]
    public async Task Token_rotation_keeps_one_pool_and_new_logins_carry_the_new_token()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var peers = AppPeers.Start(time);
        peers.Issuer.TokenLifetime = TimeSpan.FromMinutes(10);
        var credential = peers.IssuingCredential();
        var app = peers.App(credential, time: time);

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        for (var rotation = 1; rotation <= 3; rotation++)
        {
            time.Advance(TimeSpan.FromMinutes(11)); // the last token has expired

            // The pooled session logged in with an expired token and stays usable: a pool keyed on the token would log in anew.
            Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
            Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(rotation));

            using var connection = app.Services.GetRequiredService<SqlConnectionFactory>().Create();
            SqlConnection.ClearPool(connection);
            Assert.That(await app.SelectOneAsync(), Is.EqualTo(1), "a new physical login after the rotation");
        }

        Assert.Multiple(() =>
        {
            Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(4));
            Assert.That(peers.Server.Counters.TokensSeenBy(peers.Principal.ObjectId), Has.Count.EqualTo(4), "each login after a rotation carried a new token");
            Assert.That(peers.Server.Counters.FailedLogins, Is.Zero);
            Assert.That(credential.Requests, Is.EqualTo(4), "token requests = rotations + 1");
        });
    }

    [Test]
    public async Task The_naive_AccessToken_property_makes_a_pool_and_a_login_per_token_which_the_callback_avoids()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App();
        var connectionString = peers.Server.ConnectionString(TdsEncryption.Off);

        for (var i = 0; i < 5; i++)
        {
            await using var naive = new SqlConnection(connectionString) { AccessToken = peers.Issuer.Issue(peers.Principal).Token };
            await naive.OpenAsync();
        }

        var naiveLogins = peers.Server.Counters.PhysicalLogins;
        for (var i = 0; i < 5; i++)
        {
            await app.SelectOneAsync();
        }

        Assert.That(naiveLogins, Is.EqualTo(5), "a new token string is a new pool");
        Assert.That(peers.Server.Counters.PhysicalLogins - naiveLogins, Is.EqualTo(1), "the static callback shares one pool");
    }

    private static async Task AssertLoginRefused(AppUnderTest app, TdsServer server)
    {
        var thrown = Assert.CatchAsync(() => app.SelectOneAsync());
        var sql = thrown as SqlException ?? thrown!.InnerException as SqlException;
        Assert.That(sql?.Number, Is.EqualTo(18456), () => thrown!.ToString());
        Assert.That(sql!.Message, Does.Contain("Login failed for user '<token-identified principal>'."));

        var answer = await app.RunHttpAsync(async s => TypedResults.Ok(await AppUnderTest.SelectOne(s)));
        Assert.That(answer.Status, Is.EqualTo(503));
        Assert.That(answer.Json().GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.AuthenticationFailed));
        Assert.That(server.Counters.FailedLogins, Is.EqualTo(2), "18456 is never retried: one login per invocation");
    }
}
