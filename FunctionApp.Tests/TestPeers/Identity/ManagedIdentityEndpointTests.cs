using AzureSqlFunctions.Testing;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.TestPeers.Identity;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.Identity;

/// <summary>The real <see cref="ManagedIdentityCredential"/> (and a raw HTTP client) against the App Service endpoint peer.</summary>
[TestFixture]
public sealed class ManagedIdentityEndpointTests
{
    private static readonly TokenRequestContext SqlScope = new(["https://database.windows.net/.default"]);

    private TokenIssuer _issuer = null!;
    private TestPrincipal _system = null!;
    private ManagedIdentityEndpoint _endpoint = null!;
    private IDisposable _environment = null!;

    [SetUp]
    public async Task StartEndpoint()
    {
        _issuer = new TokenIssuer();
        _system = TestPrincipal.Create("function app (system-assigned)");
        _endpoint = await ManagedIdentityEndpoint.StartAsync(_issuer, _system);
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
    public async Task System_assigned_credential_gets_a_sql_token_for_the_system_principal()
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);

        var token = await credential.GetTokenAsync(SqlScope);

        var claims = TokenClaims.Read(_issuer, token.Token);
        var check = await _issuer.ValidateAsync(token.Token);
        var request = _endpoint.Requests.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(check.IsValid, Is.True, check.Failure);
            Assert.That(claims["aud"], Is.EqualTo("https://database.windows.net/"));
            Assert.That(claims["iss"], Is.EqualTo(_issuer.Issuer));
            Assert.That(claims["oid"], Is.EqualTo(_system.ObjectId));
            Assert.That(claims["tid"], Is.EqualTo(_issuer.TenantId));
            Assert.That(claims["appid"], Is.EqualTo(_system.AppId));
            Assert.That(token.ExpiresOn, Is.EqualTo(DateTimeOffset.UtcNow + _issuer.TokenLifetime).Within(TimeSpan.FromMinutes(1)));
            // What MSAL sends: the scope minus "/.default", no trailing slash, no client_id for system-assigned.
            Assert.That(request.ApiVersion, Is.EqualTo("2019-08-01"));
            Assert.That(request.Resource, Is.EqualTo("https://database.windows.net"));
            Assert.That(request.ClientId, Is.Null);
            Assert.That(request.HeaderMatched, Is.True);
            Assert.That(request.StatusCode, Is.EqualTo(200));
            Assert.That(_endpoint.TokensIssued, Is.EqualTo(1));
        }
    }

    [Test]
    public async Task User_assigned_credential_gets_a_token_for_the_identity_named_by_client_id()
    {
        var userAssigned = TestPrincipal.Create("user-assigned identity");
        _endpoint.AddUserAssigned(userAssigned);
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(userAssigned.AppId));

        var token = await credential.GetTokenAsync(SqlScope);

        var claims = TokenClaims.Read(_issuer, token.Token);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((await _issuer.ValidateAsync(token.Token)).ObjectId, Is.EqualTo(userAssigned.ObjectId));
            Assert.That(claims["oid"], Is.EqualTo(userAssigned.ObjectId));
            Assert.That(claims["appid"], Is.EqualTo(userAssigned.AppId));
            Assert.That(_endpoint.Requests.Single().ClientId, Is.EqualTo(userAssigned.AppId));
        }
    }

    [Test]
    public async Task User_assigned_credential_can_name_the_identity_by_object_id()
    {
        var userAssigned = TestPrincipal.Create("user-assigned identity");
        _endpoint.AddUserAssigned(userAssigned);
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedObjectId(userAssigned.ObjectId));

        var token = await credential.GetTokenAsync(SqlScope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(TokenClaims.Read(_issuer, token.Token)["oid"], Is.EqualTo(userAssigned.ObjectId));
            Assert.That(_endpoint.Requests.Single().Query, Does.Contain($"object_id={userAssigned.ObjectId}"));
        }
    }

    [Test]
    public void Unknown_client_id_fails_with_AuthenticationFailedException_without_retrying()
    {
        var credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(Guid.NewGuid().ToString()));

        var failure = Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(SqlScope));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure, Is.Not.InstanceOf<CredentialUnavailableException>());
            Assert.That(failure!.Message, Does.Contain("Unable to load the proper Managed Identity"));
            Assert.That(_endpoint.RequestCount, Is.EqualTo(1), "400 is not retried");
            Assert.That(_endpoint.Requests.Single().StatusCode, Is.EqualTo(400));
            Assert.That(_endpoint.TokensIssued, Is.Zero);
        }
    }

    [Test]
    public void Wrong_identity_header_is_rejected_with_401()
    {
        using var wrongHeader = new EnvironmentScope().Set("IDENTITY_HEADER", "not-the-secret");
        var credential = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);

        Assert.ThrowsAsync<AuthenticationFailedException>(async () => await credential.GetTokenAsync(SqlScope));

        var request = _endpoint.Requests.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(request.HeaderMatched, Is.False);
            Assert.That(request.StatusCode, Is.EqualTo(401));
            Assert.That(_endpoint.TokensIssued, Is.Zero);
        }
    }

    [TestCase(true, "2019-08-01", "https://database.windows.net/", HttpStatusCode.OK)]
    [TestCase(true, "2019-08-01", "https://database.windows.net", HttpStatusCode.OK)]
    [TestCase(false, "2019-08-01", "https://database.windows.net/", HttpStatusCode.Unauthorized)]
    [TestCase(true, "2017-09-01", "https://database.windows.net/", HttpStatusCode.BadRequest)]
    [TestCase(true, "2019-08-01", "https://vault.azure.net", HttpStatusCode.BadRequest)]
    public async Task Endpoint_checks_header_api_version_and_resource(bool sendHeader, string apiVersion, string resource, HttpStatusCode expected)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(
            HttpMethod.Get, $"{_endpoint.Endpoint}?api-version={apiVersion}&resource={Uri.EscapeDataString(resource)}");
        if (sendHeader)
        {
            request.Headers.Add(ManagedIdentityEndpoint.HeaderName, _endpoint.Header);
        }

        using var response = await client.SendAsync(request);

        Assert.That(response.StatusCode, Is.EqualTo(expected));
        if (expected == HttpStatusCode.OK)
        {
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var token = body.RootElement.GetProperty("access_token").GetString()!;
            var expiresOn = long.Parse(body.RootElement.GetProperty("expires_on").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(TokenClaims.Read(_issuer, token)["aud"], Is.EqualTo(TokenIssuer.SqlAudience));
                Assert.That(body.RootElement.GetProperty("resource").GetString(), Is.EqualTo(resource));
                Assert.That(body.RootElement.GetProperty("token_type").GetString(), Is.EqualTo("Bearer"));
                Assert.That(body.RootElement.GetProperty("client_id").GetString(), Is.EqualTo(_system.AppId));
                Assert.That(DateTimeOffset.FromUnixTimeSeconds(expiresOn), Is.EqualTo(DateTimeOffset.UtcNow + _issuer.TokenLifetime).Within(TimeSpan.FromMinutes(1)));
            }
        }
    }

    [Test]
    public async Task Failures_queued_by_FailNext_are_retried_through_to_a_token()
    {
        _endpoint.Faults.FailNext(2);

        var token = await new ManagedIdentityCredential(QuickRetries()).GetTokenAsync(SqlScope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await _issuer.ValidateAsync(token.Token)).IsValid, Is.True);
            Assert.That(string.Join(",", _endpoint.Requests.Select(r => r.StatusCode)), Is.EqualTo("500,500,200"));
            Assert.That(_endpoint.TokensIssued, Is.EqualTo(1));
            Assert.That(_endpoint.Faults.FailuresLeft, Is.Zero);
        }
    }

    [Test]
    public void Endpoint_failing_with_500_is_tried_six_times_even_when_MaxRetries_is_zero()
    {
        _endpoint.Faults.FailAlways = true;
        var options = QuickRetries();
        options.Retry.MaxRetries = 0; // ignored: Azure.Identity forces 5 retries for managed identity

        var elapsed = Stopwatch.StartNew();
        var failure = Assert.ThrowsAsync<AuthenticationFailedException>(
            async () => await new ManagedIdentityCredential(options).GetTokenAsync(SqlScope));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure, Is.Not.InstanceOf<CredentialUnavailableException>());
            Assert.That(_endpoint.RequestCount, Is.EqualTo(6));
            Assert.That(_endpoint.TokensIssued, Is.Zero);
            Assert.That(elapsed.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "Retry.Delay/MaxDelay are honoured");
        }
    }

    [Test]
    public void A_custom_RetryPolicy_bounds_the_attempts_against_a_failing_endpoint()
    {
        _endpoint.Faults.FailAlways = true;
        var options = new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned)
        {
            RetryPolicy = new Azure.Core.Pipeline.RetryPolicy(maxRetries: 1, DelayStrategy.CreateFixedDelayStrategy(TimeSpan.FromMilliseconds(50))),
        };

        var elapsed = Stopwatch.StartNew();
        Assert.ThrowsAsync<AuthenticationFailedException>(async () => await new ManagedIdentityCredential(options).GetTokenAsync(SqlScope));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_endpoint.RequestCount, Is.EqualTo(2));
            Assert.That(elapsed.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)));
        }
    }

    [Test, Category("Slow")]
    public void With_default_options_a_failing_endpoint_fails_the_credential_within_a_minute()
    {
        _endpoint.Faults.FailAlways = true;

        var elapsed = Stopwatch.StartNew();
        Assert.ThrowsAsync<AuthenticationFailedException>(
            async () => await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope));

        // Six tries with exponential back-off from 0.8 s: about 25 s measured here.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_endpoint.RequestCount, Is.EqualTo(6));
            Assert.That(elapsed.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(10)).And.LessThan(TimeSpan.FromSeconds(60)));
        }
    }

    [Test]
    public async Task Slow_answer_arrives_after_the_delay()
    {
        _endpoint.Faults.Delay = TimeSpan.FromMilliseconds(400);

        var elapsed = Stopwatch.StartNew();
        var token = await new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned).GetTokenAsync(SqlScope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(elapsed.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(400)));
            Assert.That((await _issuer.ValidateAsync(token.Token)).IsValid, Is.True);
        }
    }

    [Test]
    public void Answer_slower_than_NetworkTimeout_fails_the_credential_as_timed_out()
    {
        _endpoint.Faults.Delay = TimeSpan.FromSeconds(5);
        var options = new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned)
        {
            RetryPolicy = new Azure.Core.Pipeline.RetryPolicy(maxRetries: 0),
        };
        options.Retry.NetworkTimeout = TimeSpan.FromMilliseconds(500);

        var elapsed = Stopwatch.StartNew();
        var failure = Assert.ThrowsAsync<AuthenticationFailedException>(
            async () => await new ManagedIdentityCredential(options).GetTokenAsync(SqlScope));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(failure!.InnerException?.Message, Does.Contain("timed out"));
            Assert.That(elapsed.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)));
            Assert.That(_endpoint.TokensIssued, Is.Zero);
        }
    }

    [Test]
    public async Task Refused_connections_make_the_credential_unavailable_until_the_endpoint_accepts_again()
    {
        await _endpoint.Faults.RefuseConnectionsAsync();

        var failure = Assert.ThrowsAsync<CredentialUnavailableException>(
            async () => await new ManagedIdentityCredential(QuickRetries()).GetTokenAsync(SqlScope));
        Assert.That(failure!.Message, Does.Contain("Multiple attempts failed"));

        await _endpoint.Faults.AcceptConnectionsAsync();
        var token = await new ManagedIdentityCredential(QuickRetries()).GetTokenAsync(SqlScope);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((await _issuer.ValidateAsync(token.Token)).IsValid, Is.True);
            Assert.That(_endpoint.RequestCount, Is.EqualTo(1), "refused connections never reach the endpoint");
            Assert.That(_endpoint.IsAcceptingConnections, Is.True);
        }
    }

    /// <summary>Default retry count (forced), but millisecond back-off so failing tests stay quick.</summary>
    private static ManagedIdentityCredentialOptions QuickRetries()
    {
        var options = new ManagedIdentityCredentialOptions(ManagedIdentityId.SystemAssigned);
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        return options;
    }
}
