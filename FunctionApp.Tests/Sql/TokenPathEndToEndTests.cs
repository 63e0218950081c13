using Azure.Core;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
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
        await using var azure = await ManagedIdentityApp.StartAsync();

        Assert.That(await azure.App.SelectOneAsync(), Is.EqualTo(1));

        Assert.That(azure.App.Server.Counters.LoginsBy(azure.Identity.ObjectId), Is.EqualTo(1));
        Assert.That(azure.Endpoint.RequestCount, Is.EqualTo(1));
        Assert.That(azure.Endpoint.Requests.Single().Resource, Is.EqualTo("https://database.windows.net"));
    }

    [Test]
    public async Task A_user_assigned_identity_is_asked_for_by_its_client_id()
    {
        var userAssigned = TestPrincipal.Create("uami");
        await using var azure = await ManagedIdentityApp.StartAsync(userAssigned);

        Assert.That(await azure.App.SelectOneAsync(), Is.EqualTo(1));

        Assert.That(azure.Endpoint.Requests.Single().ClientId, Is.EqualTo(userAssigned.AppId));
        Assert.That(azure.App.Server.Counters.LoginsBy(userAssigned.ObjectId), Is.EqualTo(1));
    }

    [Test]
    public async Task The_Azure_CLI_path_runs_az_once_however_many_logins_follow()
    {
        using var issuer = new TokenIssuer();
        var developer = TestPrincipal.Create("developer@contoso.com");
        await using var az = await AzCliStandIn.StartAsync(issuer, developer);
        using var path = az.PutFirstOnPath(); // AzureCliCredential reads PATH when it is built
        await using var app = AppOnPeer.Start(credential: (_, _) => null, principal: developer, issuer: issuer, settings: ("Sql__Credential", "AzureCli"));

        for (var i = 0; i < 5; i++)
        {
            Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
            using var connection = app.Services.ConnectionFactory().Create();
            SqlConnection.ClearPool(connection); // force a new physical login, which asks for a token again
        }

        Assert.That(app.Server.Counters.LoginsBy(developer.ObjectId), Is.EqualTo(5));
        Assert.That(az.InvocationCount, Is.EqualTo(1), "no az process per connection");
    }

    [Test]
    public async Task Sixty_four_concurrent_cold_invocations_make_exactly_one_token_request()
    {
        await using var azure = await ManagedIdentityApp.StartAsync();
        var app = azure.App;

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => app.SelectOneAsync(isHttp: true))));

        Assert.That(results, Is.All.EqualTo(1));
        Assert.That(azure.Endpoint.RequestCount, Is.EqualTo(1));
        Assert.That(app.Server.Counters.FailedLogins, Is.Zero);
        Assert.That(app.Server.Counters.PhysicalLogins, Is.GreaterThanOrEqualTo(1));
    }

    [TestCase(TdsEncryption.Off)]
    [TestCase(TdsEncryption.Mandatory)]
    [TestCase(TdsEncryption.Strict)]
    public async Task Every_encryption_mode_logs_in_with_the_callback(TdsEncryption encryption)
    {
        await using var app = AppOnPeer.Start(encryption: encryption);

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(app.Server.Counters.PhysicalLogins, Is.EqualTo(1));
    }

    [Test]
    public async Task An_expired_token_is_refused_with_18456_and_not_retried()
    {
        await using var app = AppOnPeer.Start((issuer, principal) => ScriptedCredential.Issuing(() =>
            new AccessToken(issuer.Issue(principal, lifetime: TimeSpan.FromMinutes(-5)).Token, DateTimeOffset.UtcNow.AddHours(1))));

        await AssertLoginRefused(app);
    }

    [Test]
    public async Task A_token_for_another_audience_is_refused_with_18456()
    {
        await using var app = AppOnPeer.Start((issuer, principal) => ScriptedCredential.Issuing(() =>
            new AccessToken(issuer.Issue(principal, audience: "https://storage.azure.com/").Token, DateTimeOffset.UtcNow.AddHours(1))));

        await AssertLoginRefused(app);
    }

    [Test]
    public async Task A_principal_that_is_not_a_user_of_the_database_is_refused_with_18456()
    {
        await using var app = AppOnPeer.Start((issuer, _) => AppOnPeer.IssuingCredential(issuer, TestPrincipal.Create("stranger")));

        await AssertLoginRefused(app);
    }

    [Test]
    public async Task Token_rotation_keeps_one_pool_and_new_logins_carry_the_new_token()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        ScriptedCredential? credential = null;
        await using var app = AppOnPeer.Start(
            (issuer, principal) =>
            {
                issuer.TokenLifetime = TimeSpan.FromMinutes(10);
                return credential = AppOnPeer.IssuingCredential(issuer, principal);
            },
            time: time);

        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        for (var rotation = 1; rotation <= 3; rotation++)
        {
            time.Advance(TimeSpan.FromMinutes(11)); // the last token has expired

            // The pooled session logged in with an expired token and stays usable: a pool keyed on the token would log in anew.
            Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
            Assert.That(app.Server.Counters.PhysicalLogins, Is.EqualTo(rotation));

            using var connection = app.Services.ConnectionFactory().Create();
            SqlConnection.ClearPool(connection);
            Assert.That(await app.SelectOneAsync(), Is.EqualTo(1), "a new physical login after the rotation");
        }

        Assert.Multiple(() =>
        {
            Assert.That(app.Server.Counters.PhysicalLogins, Is.EqualTo(4));
            Assert.That(app.Server.Counters.TokensSeenBy(app.Principal.ObjectId), Has.Count.EqualTo(4), "each login after a rotation carried a new token");
            Assert.That(app.Server.Counters.FailedLogins, Is.Zero);
            Assert.That(credential!.Requests, Is.EqualTo(4), "token requests = rotations + 1");
        });
    }

    [Test]
    public async Task The_naive_AccessToken_property_makes_a_pool_and_a_login_per_token_which_the_callback_avoids()
    {
        await using var app = AppOnPeer.Start();
        var connectionString = app.Server.ConnectionString(TdsEncryption.Off);

        for (var i = 0; i < 5; i++)
        {
            await using var naive = new SqlConnection(connectionString) { AccessToken = app.Issuer.Issue(app.Principal).Token };
            await naive.OpenAsync();
        }

        var naiveLogins = app.Server.Counters.PhysicalLogins;
        for (var i = 0; i < 5; i++)
        {
            await app.SelectOneAsync();
        }

        Assert.That(naiveLogins, Is.EqualTo(5), "a new token string is a new pool");
        Assert.That(app.Server.Counters.PhysicalLogins - naiveLogins, Is.EqualTo(1), "the static callback shares one pool");
    }

    private static async Task AssertLoginRefused(AppOnPeer app)
    {
        var thrown = Assert.CatchAsync(() => app.InvokeAsync(async sql => await AppOnPeer.SelectOne(sql), isHttp: false));
        var sql = thrown as SqlException ?? thrown!.InnerException as SqlException;
        Assert.That(sql?.Number, Is.EqualTo(18456), () => thrown!.ToString());
        Assert.That(sql!.Message, Does.Contain("Login failed for user '<token-identified principal>'."));

        var problem = await app.InvokeAsync(async s => await AppOnPeer.SelectOne(s));
        Assert.That(problem?.Status, Is.EqualTo(503));
        Assert.That(problem!.Type, Is.EqualTo(ProblemTypes.AuthenticationFailed));
        Assert.That(app.Server.Counters.FailedLogins, Is.EqualTo(2), "18456 is never retried: one login per invocation");
    }
}
