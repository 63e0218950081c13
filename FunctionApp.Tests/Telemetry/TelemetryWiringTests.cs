using Azure.Identity;
using AzureSqlFunctions.Telemetry;
using AzureSqlFunctions.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AzureSqlFunctions.Tests.Telemetry;

/// <summary>The OpenTelemetry wiring: providers come up with and without Azure Monitor, and the exporter's identity is read right.</summary>
public sealed class TelemetryWiringTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:1/";

    [Test]
    public void Without_Application_Insights_the_app_still_collects_its_meter_and_SqlClient_traces()
    {
        using var services = new ServiceCollection().AddAppTelemetry(AppSettings.Configuration()).BuildServiceProvider();

        Assert.That(services.GetService<MeterProvider>(), Is.Not.Null);
        Assert.That(services.GetService<TracerProvider>(), Is.Not.Null);
    }

    [Test]
    public void With_Application_Insights_and_Entra_auth_the_providers_build()
    {
        var configuration = AppSettings.Configuration(
            ("APPLICATIONINSIGHTS_CONNECTION_STRING", ConnectionString),
            ("APPLICATIONINSIGHTS_AUTHENTICATION_STRING", $"ClientId={Guid.NewGuid()};Authorization=AAD"));
        using var services = new ServiceCollection().AddAppTelemetry(configuration).BuildServiceProvider();

        Assert.That(services.GetService<MeterProvider>(), Is.Not.Null);
        Assert.That(services.GetService<TracerProvider>(), Is.Not.Null);
    }

    [TestCase("ClientId=11111111-2222-3333-4444-555555555555;Authorization=AAD")]
    [TestCase("Authorization=AAD")]
    [TestCase(" authorization = aad ; clientid = 11111111-2222-3333-4444-555555555555 ")]
    public void The_exporter_authenticates_with_the_managed_identity_named_in_the_authentication_string(string authentication)
    {
        Assert.That(TelemetryServiceCollectionExtensions.ExporterCredential(authentication), Is.TypeOf<ManagedIdentityCredential>());
    }

    [TestCase(null)]
    [TestCase("")]
    public void Without_an_authentication_string_the_exporter_gets_no_credential(string? authentication)
    {
        Assert.That(TelemetryServiceCollectionExtensions.ExporterCredential(authentication), Is.Null);
    }

    [Test]
    public void An_authentication_string_without_AAD_is_rejected_naming_the_setting()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => TelemetryServiceCollectionExtensions.ExporterCredential("ClientId=abc"));
        Assert.That(ex!.Message, Does.Contain("APPLICATIONINSIGHTS_AUTHENTICATION_STRING"));
    }
}
