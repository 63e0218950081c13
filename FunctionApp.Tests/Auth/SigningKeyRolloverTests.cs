using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Auth;

/// <summary>
/// The tenant's signing keys as the app caches them: read once, then served from the cache (no metadata request per
/// call); a token signed with a newly rolled-out key makes the app re-read the keys once, within that call; a flood of
/// unknown key ids causes at most one re-read per Auth__MetadataRefreshInterval; keys that cannot be read answer 503
/// and are not re-read on every call. Each test has its own sign-in (so its metadata requests are its own) and the
/// app's clock is a fake one (the refresh windows pass without waiting). Calls go to an ad-hoc function behind the
/// real middleware that answers 200 without SQL.
/// </summary>
internal sealed class SigningKeyRolloverTests
{
    private readonly TestPrincipal _user = TestPrincipal.Create("alice@contoso.com");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private ApiSignIn _signIn = null!;
    private AppPeers _peers = null!;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    private AppUnderTest _app = null!;

    private OpenIdProvider Provider => _signIn.Provider;

    [SetUp]
    public async Task Start()
    {
        _signIn = await ApiSignIn.StartAsync();
        _peers = AppPeers.Start();
        _peers.SignIn = _signIn;
        _app = _peers.App(_peers.IssuingCredential(), time: _time);
        _app.SendsTokenByDefault = false;
    }

    [TearDown]
    public async Task Stop()
    {
        await _peers.DisposeAsync();
        await _signIn.DisposeAsync();
    }

    [Test]
    public async Task In_steady_state_no_call_requests_metadata()
    {
        Assert.That((await CallAsync(_signIn.UserToken(_user))).Status, Is.EqualTo(200));
        var firstCall = (Provider.DiscoveryRequests, Provider.KeysRequests);

        for (var i = 0; i < 50; i++)
        {
            Assert.That((await CallAsync(_signIn.UserToken(_user))).Status, Is.EqualTo(200));
        }

        Assert.Multiple(() =>
        {
            Assert.That(firstCall, Is.EqualTo((1, 1)), "the first call read discovery and keys once");
            Assert.That((Provider.DiscoveryRequests, Provider.KeysRequests), Is.EqualTo((1, 1)), "no metadata request in 50 more calls");
        });
    }

    [Test]
    public async Task A_token_signed_with_a_rolled_over_key_is_accepted_after_one_reread_of_the_keys()
    {
        Assert.That((await CallAsync(_signIn.UserToken(_user))).Status, Is.EqualTo(200));
        Provider.RollOverKeys(retirePrevious: true);

        var first = await CallAsync(_signIn.UserToken(_user));
        var later = new List<int>();
        for (var i = 0; i < 20; i++)
        {
            later.Add((await CallAsync(_signIn.UserToken(_user))).Status);
        }

        Assert.Multiple(() =>
        {
            Assert.That(first.Status, Is.EqualTo(200), $"the call that met the new key waited for the re-read: {first}");
            Assert.That(later, Has.All.EqualTo(200));
            Assert.That(Provider.KeysRequests, Is.EqualTo(2), "the keys were read at the first call and once after the rollover");
        });
    }

    [Test]
    public async Task Unknown_key_ids_cause_one_reread_per_refresh_interval_not_one_per_call()
    {
        Assert.That((await CallAsync(_signIn.UserToken(_user))).Status, Is.EqualTo(200));
        var forged = _signIn.UserRequest(_user) with { SignWithUnpublishedKey = true };

        var answers = new List<HttpAnswer>();
        for (var i = 0; i < 20; i++)
        {
            answers.Add(await CallAsync(Provider.Issue(forged)));
        }

        var afterFlood = Provider.KeysRequests;
        _time.Advance(new AuthOptions().MetadataRefreshInterval);
        var afterInterval = await CallAsync(Provider.Issue(forged));

        Assert.Multiple(() =>
        {
            Assert.That(answers.Select(a => a.Status), Has.All.EqualTo(401));
            Assert.That(answers[0].Header("WWW-Authenticate"), Is.EqualTo("Bearer error=\"invalid_token\", error_description=\"The token is signed with a key the tenant does not publish.\""));
            Assert.That(afterFlood, Is.EqualTo(2), "the start, and one re-read for the first unknown key id");
            Assert.That(afterInterval.Status, Is.EqualTo(401));
            Assert.That(Provider.KeysRequests, Is.EqualTo(3), "one more re-read once the interval passed");
        });
    }

    [Test]
    public async Task Tokens_no_key_could_verify_never_cause_a_reread()
    {
        Assert.That((await CallAsync(_signIn.UserToken(_user))).Status, Is.EqualTo(200));

        // An HMAC-signed token and one with alg none name no RS256 key: new keys could not help them.
        var answers = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add((await CallAsync(SignedRequests.SymmetricallySigned(_signIn.UserToken(_user)))).Status);
            answers.Add((await CallAsync(SignedRequests.Unsigned(_signIn.UserToken(_user)))).Status);
        }

        Assert.That(answers, Has.All.EqualTo(401));
        Assert.That(Provider.KeysRequests, Is.EqualTo(1), "only the first call read the keys");
    }

    [Test]
    public async Task Keys_that_cannot_be_read_answer_503_with_Retry_After_and_are_retried_after_the_delay_not_per_call()
    {
        Provider.FailMetadata = true;

        var refused = await CallAsync(_signIn.UserToken(_user));
        var again = await CallAsync(_signIn.UserToken(_user));
        var requestsWhileFailing = Provider.DiscoveryRequests;
        Provider.FailMetadata = false;
        var beforeDelay = await CallAsync(_signIn.UserToken(_user));
        _time.Advance(TenantSigningKeys.RetryAfterFailure);
        var afterDelay = await CallAsync(_signIn.UserToken(_user));

        Assert.Multiple(() =>
        {
            Assert.That(refused.Status, Is.EqualTo(503), refused.ToString());
            Assert.That(refused.Json().GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.SigningKeysUnavailable));
            Assert.That(refused.Header("Retry-After"), Is.EqualTo("10"));
            Assert.That(refused.Header("WWW-Authenticate"), Is.Null, "the caller's token is not at fault");
            Assert.That(again.Status, Is.EqualTo(503));
            Assert.That(requestsWhileFailing, Is.EqualTo(1), "the second call did not read again within the delay");
            Assert.That(beforeDelay.Status, Is.EqualTo(503), "still within the delay");
            Assert.That(afterDelay.Status, Is.EqualTo(200), afterDelay.ToString());
            Assert.That(_peers.Server.Counters.PhysicalLogins, Is.Zero, "no refused call reached the database");
        });
    }

    [Test]
    public async Task Keys_held_are_kept_when_the_scheduled_reread_fails()
    {
        Assert.That((await CallAsync(_signIn.UserToken(_user))).Status, Is.EqualTo(200));
        Provider.FailMetadata = true;
        _time.Advance(TenantSigningKeys.AutomaticRefreshInterval);

        var answers = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add((await CallAsync(_signIn.UserToken(_user))).Status);
        }

        Assert.Multiple(() =>
        {
            Assert.That(answers, Has.All.EqualTo(200), "the keys held still validate");
            Assert.That(Provider.DiscoveryRequests, Is.EqualTo(2), "one failed re-read, not one per call");
        });
    }

    private Task<HttpAnswer> CallAsync(string token) =>
        _app.RunHttpAsync(SignedRequests.Bearer(token, "/api/test"), _ => Task.FromResult<IResult?>(Results.Ok()));
}
