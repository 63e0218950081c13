using System.Text.Json;
using AzureSqlFunctions.Cors;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Cors;

/// <summary>
/// What the app contributes to CORS: every HTTP answer names ETag, Location and Retry-After in
/// Access-Control-Expose-Headers, and the sample's Host.CORS (Core Tools) allows one local origin without credentials.
/// Preflights and Access-Control-Allow-Origin are the Functions host's (Core Tools, or the platform in Azure), which
/// is not here: infra/SignInAndCorsTests checks what azd hands the platform.
/// </summary>
internal sealed class CorsTests
{
    [Test]
    public async Task Every_answer_exposes_ETag_Location_and_Retry_After_to_browser_scripts()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App();

        var created = await app.SendAsync(TestRequest.Post("/api/todos", """{ "title": "x" }""").WithHeader("Origin", "http://localhost:5173"));
        var refused = await app.SendAsync(TestRequest.Get("/api/todos").WithHeader("Authorization", "Bearer not-a-jwt"));
        var document = await app.SendAsync(TestRequest.Get("/api/openapi.json"));

        Assert.Multiple(() =>
        {
            foreach (var answer in new[] { created, refused, document })
            {
                Assert.That(answer.Header(ExposedHeadersMiddleware.HeaderName), Is.EqualTo("ETag, Location, Retry-After"), answer.ToString());
            }
        });
    }

    [Test]
    public void The_samples_Host_CORS_allows_a_local_origin_never_a_wildcard_and_no_credentials()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("local.settings.sample.json")));
        var host = sample.RootElement.GetProperty("Host");
        var origins = host.GetProperty("CORS").GetString()!.Split(',', StringSplitOptions.TrimEntries);

        Assert.Multiple(() =>
        {
            Assert.That(origins, Is.Not.Empty);
            Assert.That(origins, Has.None.Contains("*"));
            Assert.That(origins, Has.All.Match("^(https://|http://localhost:)[^/]+$"));
            Assert.That(host.GetProperty("CORSCredentials").GetBoolean(), Is.False);
        });
    }

    [Test]
    public void The_sample_names_the_sign_in_settings_without_insecure_metadata()
    {
        using var sample = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("local.settings.sample.json")));
        var values = sample.RootElement.GetProperty("Values");

        Assert.Multiple(() =>
        {
            Assert.That(Guid.TryParse(values.GetProperty("Auth__TenantId").GetString(), out _), Is.True);
            Assert.That(Guid.TryParse(values.GetProperty("Auth__Audience").GetString(), out _), Is.True);
            Assert.That(values.TryGetProperty("Auth__AllowInsecureMetadata", out _), Is.False, "plain-http metadata is for test issuers only");
        });
    }
}
