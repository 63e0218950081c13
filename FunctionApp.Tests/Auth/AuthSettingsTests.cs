using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Tests.Auth;

/// <summary>The <c>Auth__…</c> settings as Program.cs checks them at startup: a bad one stops the app, naming it.</summary>
internal sealed class AuthSettingsTests
{
    private const string Tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    private const string ApiClientId = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    [Test]
    public async Task Tenant_and_audience_alone_select_Entras_public_cloud_over_https_with_the_documented_defaults()
    {
        await using var app = StartupSettings.Accepts(("Auth__TenantId", Tenant), ("Auth__Audience", ApiClientId), ("Auth__Instance", null), ("Auth__AllowInsecureMetadata", null));
        var options = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;

        Assert.Multiple(() =>
        {
            Assert.That(options.Issuer, Is.EqualTo($"https://login.microsoftonline.com/{Tenant}/v2.0"));
            Assert.That(options.MetadataAddress, Is.EqualTo($"https://login.microsoftonline.com/{Tenant}/v2.0/.well-known/openid-configuration"));
            Assert.That(options.Scope, Is.EqualTo("Todos.ReadWrite"));
            Assert.That(options.AppRole, Is.EqualTo("Todos.ReadWrite.All"));
            Assert.That(options.ClockSkew, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(options.AllowInsecureMetadata, Is.False);
        });
    }

    [Test]
    public async Task An_application_ID_URI_is_an_accepted_audience()
    {
        await using var app = StartupSettings.Accepts(("Auth__Audience", $"api://{ApiClientId}"));

        Assert.That(app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Audience, Is.EqualTo($"api://{ApiClientId}"));
    }

    [TestCase("Auth__TenantId", null, "is missing", TestName = "Auth__TenantId missing")]
    [TestCase("Auth__TenantId", "contoso.onmicrosoft.com", "a GUID", TestName = "Auth__TenantId a domain name")]
    [TestCase("Auth__TenantId", "common", "a GUID", TestName = "Auth__TenantId common")]
    [TestCase("Auth__Audience", null, "is missing", TestName = "Auth__Audience missing")]
    [TestCase("Auth__Audience", "todo api", "client id", TestName = "Auth__Audience neither GUID nor URI")]
    [TestCase("Auth__Instance", "https://login.microsoftonline.com/tenant/", "authority host alone", TestName = "Auth__Instance with a path")]
    [TestCase("Auth__Instance", "ftp://login.example/", "https", TestName = "Auth__Instance not https")]
    [TestCase("Auth__Scope", "Todos ReadWrite", "one name", TestName = "Auth__Scope with a space")]
    [TestCase("Auth__AppRole", "", "one name", TestName = "Auth__AppRole empty")]
    [TestCase("Auth__ClockSkew", "00:10:00", "from 00:00:00 to 00:05:00", TestName = "Auth__ClockSkew too large")]
    [TestCase("Auth__MetadataRefreshInterval", "00:00:00", "from 00:00:01 to 01:00:00", TestName = "Auth__MetadataRefreshInterval zero")]
    [TestCase("Auth__AllowInsecureMetadata", "sometimes", "true or false", TestName = "Auth__AllowInsecureMetadata not a boolean")]
    public void A_bad_auth_setting_stops_the_app_naming_it(string setting, string? value, string says)
    {
        var thrown = StartupSettings.Rejects((setting, value));

        Assert.That(thrown.Message, Does.StartWith($"{setting}: "));
        Assert.That(thrown.Message, Does.Contain(says));
    }

    [Test]
    public void Plain_http_metadata_needs_the_explicit_insecure_setting()
    {
        var thrown = StartupSettings.Rejects(("Auth__Instance", "http://127.0.0.1:5999/"), ("Auth__AllowInsecureMetadata", "false"));

        Assert.That(thrown.Message, Does.StartWith("Auth__Instance: ").And.Contain("Auth__AllowInsecureMetadata=true"));
    }

    [Test]
    public void Even_the_insecure_setting_allows_plain_http_from_a_loopback_address_only()
    {
        var thrown = StartupSettings.Rejects(("Auth__Instance", "http://login.contoso.example/"), ("Auth__AllowInsecureMetadata", "true"));

        Assert.That(thrown.Message, Does.StartWith("Auth__Instance: ").And.Contain("loopback"));
    }

    [TestCase("http://127.0.0.1:5999/")]
    [TestCase("http://localhost:5999/")]
    public async Task The_insecure_setting_allows_a_local_test_issuer(string instance)
    {
        await using var app = StartupSettings.Accepts(("Auth__Instance", instance), ("Auth__AllowInsecureMetadata", "true"));

        Assert.That(app.Services.GetRequiredService<IOptions<AuthOptions>>().Value.Instance, Is.EqualTo(instance));
    }
}
