using AzureSqlFunctions.Testing;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.TestPeers.Identity;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.Identity;

/// <summary>
/// Pins what Azure.Identity 1.21 / MSAL do between the app and the endpoint: a process-wide token cache, one
/// request for many concurrent cold callers, and IDENTITY_ENDPOINT read per request. Code that counts requests
/// at the endpoint (single flight, refresh ahead) depends on these facts.
/// </summary>
[TestFixture]
public sealed class ManagedIdentityCredentialCachingTests
{
    private static readonly TokenRequestContext SqlScope = new(["https://database.windows.net/.default"]);

    private TokenIssuer _issuer = null!;
    private ManagedIdentityEndpoint _endpoint = null!;
    private IDisposable _environment = null!;

    [SetUp]
    public async Task StartEndpoint()
    {
        _issuer = new TokenIssuer();
        _endpoint = await ManagedIdentityEndpoint.StartAsync(_issuer, TestPrincipal.Create("system-assigned"));
        _environment = _endpoint.ApplyToEnvironment();
        MsalSharedState.Reset();
    }

    [TearDown]
    public async Task StopEndpoint()
    {
        _environment.Dispose();
        await _endpoint.DisposeAsync();
        _issuer.Dispose();
    }

    [Test]
    public async Task A_second_credential_instance_gets_the_cached_token_without_a_request()
    {
        var first = await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);
        var second = await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.Token, Is.EqualTo(first.Token));
            Assert.That(_endpoint.RequestCount, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Resetting_msal_state_empties_the_shared_cache()
    {
        await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);

        MsalSharedState.Reset();
        await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);

        Assert.That(_endpoint.RequestCount, Is.EqualTo(2));
    }

    [Test]
    public async Task The_cache_outlives_the_endpoint_that_filled_it()
    {
        var cached = await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);
        await _endpoint.Faults.RefuseConnectionsAsync();

        var later = await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);

        Assert.That(later.Token, Is.EqualTo(cached.Token));
    }

    [TestCase(4, 2)]
    [TestCase(10, 1)]
    public async Task Cached_tokens_within_five_minutes_of_expiry_are_fetched_again(int lifetimeMinutes, int expectedRequests)
    {
        _issuer.TokenLifetime = TimeSpan.FromMinutes(lifetimeMinutes);
        var credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);

        await credential.GetTokenAsync(SqlScope);
        await credential.GetTokenAsync(SqlScope);

        Assert.That(_endpoint.RequestCount, Is.EqualTo(expectedRequests));
    }

    [Test]
    public async Task Sixty_four_concurrent_cold_callers_on_one_credential_cause_one_request()
    {
        _endpoint.Faults.Delay = TimeSpan.FromMilliseconds(200); // keeps every caller waiting on the first request
        var credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);

        var tokens = await Task.WhenAll(Enumerable.Range(0, 64)
            .Select(_ => Task.Run(async () => await credential.GetTokenAsync(SqlScope))));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_endpoint.RequestCount, Is.EqualTo(1));
            Assert.That(tokens.Select(t => t.Token).Distinct().Count(), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task Sixty_four_concurrent_cold_callers_on_separate_credentials_cause_one_request()
    {
        _endpoint.Faults.Delay = TimeSpan.FromMilliseconds(200);

        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
            await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope))));

        Assert.That(_endpoint.RequestCount, Is.EqualTo(1));
    }

    [Test]
    public async Task Identity_endpoint_is_read_per_request_not_at_construction()
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
        await credential.GetTokenAsync(SqlScope);

        await using var other = await ManagedIdentityEndpoint.StartAsync(_issuer, TestPrincipal.Create("elsewhere"));
        const string vault = "https://vault.azure.net";
        other.AddAudience(vault);
        using (other.ApplyToEnvironment())
        {
            await credential.GetTokenAsync(new TokenRequestContext([$"{vault}/.default"]));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_endpoint.RequestCount, Is.EqualTo(1));
            Assert.That(other.Requests.Single().Resource, Is.EqualTo(vault));
        }
    }

    [Test]
    public async Task Applying_the_endpoint_clears_diverting_variables_and_dispose_restores_them()
    {
        _environment.Dispose(); // disposing twice (in TearDown) is harmless
        using var prior = new EnvironmentScope()
            .Set("IDENTITY_ENDPOINT", "http://127.0.0.1:1/elsewhere")
            .Set("AZURE_CLIENT_ID", "someone-else")
            .Set("MSI_ENDPOINT", "http://127.0.0.1:1/msi");

        using (_endpoint.ApplyToEnvironment())
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT"), Is.EqualTo(_endpoint.Endpoint.ToString()));
                Assert.That(Environment.GetEnvironmentVariable("IDENTITY_HEADER"), Is.EqualTo(_endpoint.Header));
                Assert.That(Environment.GetEnvironmentVariable("AZURE_CLIENT_ID"), Is.Null);
                Assert.That(Environment.GetEnvironmentVariable("MSI_ENDPOINT"), Is.Null);
            }

            var token = await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);
            Assert.That((await _issuer.ValidateAsync(token.Token)).IsValid, Is.True);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT"), Is.EqualTo("http://127.0.0.1:1/elsewhere"));
            Assert.That(Environment.GetEnvironmentVariable("AZURE_CLIENT_ID"), Is.EqualTo("someone-else"));
            Assert.That(Environment.GetEnvironmentVariable("MSI_ENDPOINT"), Is.EqualTo("http://127.0.0.1:1/msi"));
        }
    }
}
