using System.Text.Json.Nodes;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// Sign-in and CORS as azd deploys them: the API's tenant and audience reach the app's Auth__ settings, browser
/// origins reach siteConfig.cors (never *, never with credentials), and App Service Authentication is an optional
/// second gate that leaves the OpenAPI document open. CORS itself is the platform's (and Core Tools') job: what can be
/// checked here is what the template and main.bicepparam hand it.
/// </summary>
[TestFixture]
public sealed class SignInAndCorsTests
{
    private const string ApiClientId = "3fa85f64-5717-4562-b3fc-2c963f66afa6";

    private ArmTemplate main = null!;

    [OneTimeSetUp]
    public async Task Compile() => main = await MainTemplate.CompileAsync();

    [Test]
    public async Task By_default_no_origin_is_allowed_credentials_never_and_the_app_trusts_the_deployments_tenant()
    {
        var values = MainParameters.ParameterValues(await MainParameters.BuildAsync());
        var (site, evaluator) = Site(ArmEvaluator.For(main, values));
        var cors = site["properties"]!["siteConfig"]!["cors"]!;
        var settings = evaluator.Evaluate(AppSettings())!;

        Assert.Multiple(() =>
        {
            Assert.That(values["corsAllowedOrigins"]!.AsArray(), Is.Empty);
            Assert.That(cors["allowedOrigins"]!.ToString(), Is.EqualTo("[parameters('corsAllowedOrigins')]"));
            Assert.That(CorsArgument(), Does.Contain("variables('checkedCorsAllowedOrigins')"), "main.bicep passes the checked origins");
            Assert.That(main.Variable("checkedCorsAllowedOrigins")!.ToString(), Does.Contain("parameters('corsAllowedOrigins')").And.Contain("fail("));
            Assert.That(cors["supportCredentials"]!.GetValueKind(), Is.EqualTo(System.Text.Json.JsonValueKind.False));
            Assert.That(settings["Auth__Audience"]!.GetValue<string>(), Is.EqualTo(ApiClientId));
            Assert.That(settings["Auth__TenantId"]!.ToString(), Does.Contain("tenant().tenantId"), "the deployment's own tenant");
            Assert.That(settings["Auth__Instance"]!.ToString(), Does.Contain("environment().authentication.loginEndpoint"), "this cloud's authority");
            Assert.That(main.Output("AZURE_OPENAPI_URL")["value"]!.ToString(), Does.Contain("/api/openapi.json"));
        });
    }

    [Test]
    public async Task Origins_and_a_tenant_from_the_azd_environment_reach_their_parameters()
    {
        var values = MainParameters.ParameterValues(await MainParameters.BuildAsync(new Dictionary<string, string>
        {
            ["AZURE_CORS_ALLOWED_ORIGINS"] = "https://todo.contoso.com, http://localhost:5173",
            ["AZURE_AUTH_TENANT_ID"] = "72f988bf-86f1-41af-91ab-2d7cd011db47",
        }));
        var (_, evaluator) = Site(ArmEvaluator.For(main, values));
        var settings = evaluator.Evaluate(AppSettings())!;

        Assert.Multiple(() =>
        {
            Assert.That(values["corsAllowedOrigins"]!.AsArray().Select(o => o!.GetValue<string>()), Is.EqualTo(new[] { "https://todo.contoso.com", "http://localhost:5173" }));
            Assert.That(settings["Auth__TenantId"]!.GetValue<string>(), Is.EqualTo("72f988bf-86f1-41af-91ab-2d7cd011db47"));
        });
    }

    [TestCase("*")]
    [TestCase("https://*.contoso.com")]
    [TestCase("https://todo.contoso.com/")]
    [TestCase("https://todo.contoso.com/app")]
    [TestCase("http://todo.contoso.com")]
    [TestCase("http://localhost.contoso.com")]
    public async Task An_origin_that_is_a_wildcard_not_https_or_not_an_origin_stops_the_build_naming_the_setting(string origin)
    {
        var build = await MainParameters.BuildAsync(new Dictionary<string, string> { ["AZURE_CORS_ALLOWED_ORIGINS"] = $"https://ok.contoso.com,{origin}" });

        Assert.That(build.ExitCode, Is.Not.Zero);
        Assert.That(build.StandardError, Does.Contain($"AZURE_CORS_ALLOWED_ORIGINS: \"{origin}\" is not an allowed origin"));
        Assert.That(build.StandardError, Does.Not.Contain("\"https://ok.contoso.com\""));
    }

    [Test]
    public async Task A_missing_audience_stops_the_build_naming_the_setting()
    {
        var build = await MainParameters.BuildAsync(new Dictionary<string, string> { ["AZURE_AUTH_AUDIENCE"] = "" });

        Assert.That(build.ExitCode, Is.Not.Zero);
        Assert.That(build.StandardError, Does.Contain("AZURE_AUTH_AUDIENCE must be set"));
    }

    [Test]
    public async Task App_Service_Authentication_is_off_by_default_and_when_on_requires_the_apis_tokens_except_for_the_OpenAPI_document()
    {
        var off = await DeploymentAsync();
        var on = await DeploymentAsync(new Dictionary<string, string> { ["AZURE_APP_SERVICE_AUTH_ENABLED"] = "true" });
        var (template, authSettings) = main.ResourcesOfType("Microsoft.Web/sites/config")
            .Single(found => found.Resource["name"]!.ToString().Contains("authsettingsV2", StringComparison.Ordinal));
        var onModule = on.ForModule(template);
        var properties = onModule.Evaluate(authSettings["properties"])!;

        Assert.Multiple(() =>
        {
            Assert.That(off.ForModule(template).IsDeployed(authSettings), Is.False);
            Assert.That(onModule.IsDeployed(authSettings), Is.True);
            Assert.That(properties["globalValidation"]!["requireAuthentication"]!.GetValue<bool>(), Is.True);
            Assert.That(properties["globalValidation"]!["unauthenticatedClientAction"]!.GetValue<string>(), Is.EqualTo("Return401"));
            Assert.That(properties["globalValidation"]!["excludedPaths"]!.AsArray().Select(p => p!.GetValue<string>()), Is.EqualTo(new[] { "/api/openapi.json", "/api/health/live" }));
            Assert.That(properties["identityProviders"]!["azureActiveDirectory"]!["validation"]!["allowedAudiences"]![0]!.GetValue<string>(), Is.EqualTo(ApiClientId));
            Assert.That(properties["login"]!["tokenStore"]!["enabled"]!.GetValue<bool>(), Is.False, "no tokens stored by the platform");
        });
    }

    private async Task<ArmEvaluator> DeploymentAsync(IReadOnlyDictionary<string, string>? values = null) =>
        ArmEvaluator.For(main, MainParameters.ParameterValues(await MainParameters.BuildAsync(values)));

    private (JsonObject Site, ArmEvaluator Evaluator) Site(ArmEvaluator deployment)
    {
        var (template, site) = main.SingleResourceOfType("Microsoft.Web/sites");
        return (site, deployment.ForModule(template));
    }

    private string CorsArgument() =>
        main.SingleResourceOfType("Microsoft.Web/sites").Template.ArgumentFromParent("corsAllowedOrigins");

    private JsonObject AppSettings() => main.ResourcesOfType("Microsoft.Web/sites/config")
        .Single(found => found.Resource["name"]!.ToString().Contains("appsettings", StringComparison.Ordinal)).Resource["properties"]!.AsObject();
}
