using AzureSqlFunctions.Testing;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Sql;

public sealed class AccessTokenSourceTests
{
    private FakeTimeProvider _time = null!;

    [SetUp]
    public void SetUp() => _time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));

    [Test]
    public async Task A_cached_token_is_served_without_asking_the_credential_again()
    {
        var issued = 0;
        var credential = ScriptedCredential.Issuing(() => Tokens.At(_time, TimeSpan.FromHours(1), $"token-{++issued}"));
        var source = Tokens.Source(credential, _time);

        var first = await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(30));
        var second = await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        Assert.That(second.Token, Is.EqualTo(first.Token).And.EqualTo("token-1"));
        Assert.That(credential.Requests, Is.EqualTo(1));
        Assert.That(credential.Scopes.Single(), Is.EqualTo(new[] { Tokens.SqlScope }));
    }

    [Test]
    public async Task Each_scope_has_its_own_cache_entry()
    {
        var credential = new ScriptedCredential((context, _) => Task.FromResult(Tokens.At(_time, TimeSpan.FromHours(1), "for " + context.Scopes[0])));
        var source = Tokens.Source(credential, _time);

        var commercial = await source.GetTokenAsync("https://database.windows.net/.default", CancellationToken.None);
        var government = await source.GetTokenAsync("https://database.usgovcloudapi.net/.default", CancellationToken.None);

        Assert.That(commercial.Token, Is.EqualTo("for https://database.windows.net/.default"));
        Assert.That(government.Token, Is.EqualTo("for https://database.usgovcloudapi.net/.default"));
        Assert.That(credential.Requests, Is.EqualTo(2));
    }

    [TestCase("https://database.windows.net/", "https://database.windows.net/.default")]
    [TestCase("https://database.windows.net", "https://database.windows.net/.default")]
    [TestCase("https://database.chinacloudapi.cn/", "https://database.chinacloudapi.cn/.default")]
    [TestCase("https://database.usgovcloudapi.net", "https://database.usgovcloudapi.net/.default")]
    public void The_scope_is_the_resource_SqlClient_names_plus_default(string resource, string scope)
    {
        Assert.That(AccessTokenSource.ScopeFor(resource), Is.EqualTo(scope));
    }

    [Test]
    public async Task Concurrent_cold_callers_share_one_credential_request()
    {
        var release = new TaskCompletionSource<AccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var credential = new ScriptedCredential((_, _) => release.Task);
        var source = Tokens.Source(credential, _time);

        var callers = Enumerable.Range(0, 64)
            .Select(_ => Task.Run(() => source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None).AsTask()))
            .ToArray();
        await Task.Delay(100);
        Assert.That(callers.Any(c => c.IsCompleted), Is.False, "nobody gets a token before the credential answers");

        release.SetResult(Tokens.At(_time, TimeSpan.FromHours(1), "shared"));
        var tokens = await Task.WhenAll(callers);

        Assert.That(credential.Requests, Is.EqualTo(1));
        Assert.That(tokens.Select(t => t.Token).Distinct(), Is.EqualTo(new[] { "shared" }));
    }

    [Test]
    public async Task The_token_is_refreshed_at_the_credentials_RefreshOn()
    {
        var issued = 0;
        var credential = ScriptedCredential.Issuing(() => Tokens.At(_time, TimeSpan.FromHours(24), $"token-{++issued}", refreshIn: TimeSpan.FromHours(12)));
        var source = Tokens.Source(credential, _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(12) - TimeSpan.FromSeconds(1));
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token, Is.EqualTo("token-1"));
        Assert.That(credential.Requests, Is.EqualTo(1), "no refresh before RefreshOn");

        _time.Advance(TimeSpan.FromSeconds(2));
        var during = await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        Assert.That(during.Token, Is.EqualTo("token-1"), "the still-valid token is served while the refresh runs");
        await WaitUntil(() => credential.Requests == 2);
        await WaitUntil(async () => (await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token == "token-2");
    }

    [Test]
    public async Task Without_RefreshOn_the_token_is_refreshed_five_minutes_before_it_expires()
    {
        var issued = 0;
        var credential = ScriptedCredential.Issuing(() => Tokens.At(_time, TimeSpan.FromHours(1), $"token-{++issued}"));
        var source = Tokens.Source(credential, _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(54));
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        Assert.That(credential.Requests, Is.EqualTo(1));

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        await WaitUntil(() => credential.Requests == 2);
    }

    [Test]
    public async Task A_short_lived_token_is_refreshed_at_half_its_lifetime()
    {
        var issued = 0;
        var credential = ScriptedCredential.Issuing(() => Tokens.At(_time, TimeSpan.FromMinutes(4), $"token-{++issued}"));
        var source = Tokens.Source(credential, _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromSeconds(1));
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        Assert.That(credential.Requests, Is.EqualTo(1));

        _time.Advance(TimeSpan.FromSeconds(2));
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        await WaitUntil(() => credential.Requests == 2);
    }

    [Test]
    public async Task A_still_valid_token_keeps_being_served_while_refreshes_fail()
    {
        var fail = false;
        var credential = new ScriptedCredential((_, _) => fail
            ? Task.FromException<AccessToken>(new AuthenticationFailedException("identity endpoint answered 500"))
            : Task.FromResult(Tokens.At(_time, TimeSpan.FromHours(1), "good")));
        var source = Tokens.Source(credential, _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        fail = true;
        _time.Advance(TimeSpan.FromMinutes(56));
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token, Is.EqualTo("good"));
        await WaitUntil(() => credential.Requests == 2);

        // Within the back-off after a failure, no new request: a failing endpoint is not hammered.
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token, Is.EqualTo("good"));
        await Task.Delay(50);
        Assert.That(credential.Requests, Is.EqualTo(2));

        _time.Advance(AccessTokenSource.RetryAfterFailure);
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token, Is.EqualTo("good"));
        await WaitUntil(() => credential.Requests == 3);
    }

    [Test]
    public async Task An_expired_token_and_a_failing_credential_give_a_clear_exception()
    {
        var fail = false;
        var credential = new ScriptedCredential((_, _) => fail
            ? Task.FromException<AccessToken>(new CredentialUnavailableException("Please run 'az login' to set up an account"))
            : Task.FromResult(Tokens.At(_time, TimeSpan.FromHours(1), "secret-token-text")));
        var source = Tokens.Source(credential, _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        fail = true;
        _time.Advance(TimeSpan.FromHours(1));
        var ex = Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None));

        Assert.That(ex!.Message, Does.Contain(Tokens.SqlScope).And.Contain(nameof(ScriptedCredential)).And.Contain("az login"));
        Assert.That(ex.Message, Does.Not.Contain("secret-token-text"));
        Assert.That(ex.InnerException, Is.TypeOf<CredentialUnavailableException>());
    }

    [Test]
    public async Task After_a_failure_callers_without_a_token_get_it_at_once_and_the_next_request_waits_for_the_back_off()
    {
        var attempts = 0;
        var credential = new ScriptedCredential((_, _) => ++attempts == 1
            ? Task.FromException<AccessToken>(new AuthenticationFailedException("500"))
            : Task.FromResult(Tokens.At(_time, TimeSpan.FromHours(1), "second-try")));
        var source = Tokens.Source(credential, _time);

        var first = Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None));
        var during = Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None));
        Assert.That(during!.InnerException, Is.SameAs(first!.InnerException), "the back-off answers with the last failure");
        Assert.That(credential.Requests, Is.EqualTo(1));

        _time.Advance(AccessTokenSource.RetryAfterFailure);
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token, Is.EqualTo("second-try"));
        Assert.That(credential.Requests, Is.EqualTo(2));
    }

    [Test]
    public async Task A_credential_call_that_never_returns_is_abandoned_after_the_request_timeout_and_never_blocks_the_next()
    {
        var calls = 0;
        var stuck = new TaskCompletionSource<AccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The first call ignores its cancellation and never answers, like a hung HTTP request without a timeout.
        var credential = new ScriptedCredential((_, _) => ++calls == 1 ? stuck.Task : Task.FromResult(Tokens.At(_time, TimeSpan.FromHours(1), "after the stuck one")));
        var source = Tokens.Source(credential, _time, requestTimeout: TimeSpan.FromSeconds(15));

        var waiting = source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None).AsTask();
        await WaitUntil(() => credential.Requests == 1);
        Assert.That(waiting.IsCompleted, Is.False);
        _time.Advance(TimeSpan.FromSeconds(15));

        var failure = Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(failure!.InnerException, Is.TypeOf<TimeoutException>());
        Assert.That(failure.Message, Does.Contain("Sql__TokenRequestTimeout"));

        _time.Advance(AccessTokenSource.RetryAfterFailure);
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Token, Is.EqualTo("after the stuck one"));
        Assert.That(credential.Requests, Is.EqualTo(2));
        stuck.SetResult(Tokens.At(_time, TimeSpan.FromHours(1), "too late"));
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token, Is.EqualTo("after the stuck one"), "a late answer is dropped");
    }

    [Test]
    public async Task The_credential_request_gets_a_cancellation_that_fires_at_the_request_timeout()
    {
        CancellationToken seen = default;
        var credential = new ScriptedCredential(async (_, cancel) =>
        {
            seen = cancel;
            await Task.Delay(Timeout.Infinite, cancel);
            return default;
        });
        var source = Tokens.Source(credential, _time, requestTimeout: TimeSpan.FromSeconds(15));

        var waiting = source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None).AsTask();
        await WaitUntil(() => credential.Requests == 1);
        _time.Advance(TimeSpan.FromSeconds(15));

        Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.That(seen.IsCancellationRequested, Is.True, "the credential itself is told to stop");
    }

    [Test]
    public async Task A_token_is_not_served_once_it_would_expire_within_the_connect_timeout_plus_margin()
    {
        var fail = false;
        var credential = new ScriptedCredential((_, _) => fail
            ? Task.FromException<AccessToken>(new AuthenticationFailedException("identity endpoint answered 500"))
            : Task.FromResult(Tokens.At(_time, TimeSpan.FromHours(1), "about to expire")));
        var source = Tokens.Source(credential, _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        Assert.That(source.MinimumLifetime, Is.EqualTo(TimeSpan.FromSeconds(30) + AccessTokenSource.LifetimeMargin), "Connect Timeout=30 plus the margin");

        fail = true;
        // 91 s before expiry: still usable (a refresh is attempted in the background and fails).
        _time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromSeconds(91));
        Assert.That((await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)).Token, Is.EqualTo("about to expire"));

        // 89 s before expiry: SqlClient would refuse a login with it, so it is not served (no login storm).
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None));
    }

    [Test]
    public async Task A_token_that_expires_too_soon_to_log_in_with_counts_as_a_failed_request()
    {
        var credential = ScriptedCredential.Issuing(() => Tokens.At(_time, TimeSpan.FromSeconds(45), "short"));
        var source = Tokens.Source(credential, _time);

        var failure = Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None));
        Assert.That(failure!.Message, Does.Contain("expires"));
        Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None));
        Assert.That(credential.Requests, Is.EqualTo(1), "backed off, not asked again at once");
    }

    [Test]
    public async Task A_RefreshOn_in_the_past_does_not_make_a_request_per_call()
    {
        var issued = 0;
        var credential = ScriptedCredential.Issuing(() => Tokens.At(_time, TimeSpan.FromHours(1), $"token-{++issued}", refreshIn: TimeSpan.FromMinutes(-1)));
        var source = Tokens.Source(credential, _time);

        for (var i = 0; i < 100; i++)
        {
            await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
            _time.Advance(TimeSpan.FromMilliseconds(100));
        }

        await Task.Delay(50);
        Assert.That(credential.Requests, Is.EqualTo(1), "RefreshOn in the past: the 5-minute margin decides");
    }

    [Test]
    public async Task An_expired_token_and_a_failing_credential_make_one_request_per_back_off_however_many_callers()
    {
        var fail = false;
        var credential = new ScriptedCredential(async (_, _) =>
        {
            await Task.Yield();
            return fail ? throw new AuthenticationFailedException("identity endpoint answered 500") : Tokens.At(_time, TimeSpan.FromHours(1), "old");
        });
        var source = Tokens.Source(credential, _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);
        fail = true;
        _time.Advance(TimeSpan.FromHours(2));

        for (var period = 0; period < 3; period++)
        {
            var callers = Enumerable.Range(0, 50)
                .Select(_ => Task.Run(async () => await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None)))
                .ToArray();
            foreach (var caller in callers)
            {
                Assert.ThrowsAsync<AccessTokenUnavailableException>(async () => await caller);
            }

            Assert.That(credential.Requests, Is.EqualTo(2 + period), $"back-off period {period}: one request for 50 callers");
            _time.Advance(AccessTokenSource.RetryAfterFailure);
        }
    }

    [Test]
    public async Task A_cancelled_caller_stops_waiting_without_cancelling_the_shared_request()
    {
        var release = new TaskCompletionSource<AccessToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        var credential = new ScriptedCredential((_, _) => release.Task);
        var source = Tokens.Source(credential, _time);
        using var cancel = new CancellationTokenSource();

        var impatient = source.GetTokenAsync(Tokens.SqlScope, cancel.Token).AsTask();
        var patient = source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None).AsTask();
        await cancel.CancelAsync();

        Assert.That(async () => await impatient, Throws.InstanceOf<OperationCanceledException>());
        release.SetResult(Tokens.At(_time, TimeSpan.FromHours(1), "late"));
        Assert.That((await patient).Token, Is.EqualTo("late"));
        Assert.That(credential.Requests, Is.EqualTo(1));
    }

    [Test]
    public async Task The_cached_hot_path_completes_synchronously()
    {
        var source = Tokens.Source(ScriptedCredential.Issuing(() => Tokens.At(_time, TimeSpan.FromHours(1), "t")), _time);
        await source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        var hot = source.GetTokenAsync(Tokens.SqlScope, CancellationToken.None);

        Assert.That(hot.IsCompletedSuccessfully, Is.True);
    }

    private static async Task WaitUntil(Func<bool> condition) => await WaitUntil(() => Task.FromResult(condition()));

    private static async Task WaitUntil(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail("condition not reached within 10 s");
            }

            await Task.Delay(10);
        }
    }
}
