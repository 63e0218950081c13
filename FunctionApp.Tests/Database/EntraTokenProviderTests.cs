using AzureSqlFunctions.Database.Identity;
using Microsoft.Extensions.Time.Testing;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

[TestFixture]
internal sealed class EntraTokenProviderTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(60);

    // Written out, not taken from the provider: the scope is the contract with Entra ID.
    private static readonly string[] ExpectedScopes = ["https://database.windows.net/.default"];

    [Test]
    public void Asks_for_the_Azure_SQL_scope()
    {
        var clock = new FakeTimeProvider();
        var credential = new RecordingTokenCredential(clock, Lifetime);

        new EntraTokenProvider(credential, clock).GetValidAccessToken();

        Assert.That(credential.Requests.Single().Scopes, Is.EqualTo(ExpectedScopes));
    }

    [Test]
    public void Reuses_a_token_until_five_minutes_before_it_expires()
    {
        var clock = new FakeTimeProvider();
        var credential = new RecordingTokenCredential(clock, Lifetime);
        var provider = new EntraTokenProvider(credential, clock);

        var first = provider.GetValidAccessToken();
        clock.Advance(Lifetime - TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        var stillFirst = provider.GetValidAccessToken();
        clock.Advance(TimeSpan.FromSeconds(1));
        var renewed = provider.GetValidAccessToken();

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("token-1"));
            Assert.That(stillFirst, Is.EqualTo("token-1"));
            Assert.That(renewed, Is.EqualTo("token-2"));
            Assert.That(credential.Requests, Has.Count.EqualTo(2));
        });
    }
}
