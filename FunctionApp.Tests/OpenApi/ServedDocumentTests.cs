using System.Text.Json.Nodes;
using AzureSqlFunctions.OpenApi;
using AzureSqlFunctions.Testing;

namespace AzureSqlFunctions.Tests.OpenApi;

/// <summary><c>GET /api/openapi.json</c> through the real middleware: no token needed, and it names this deployment's sign-in.</summary>
internal sealed class ServedDocumentTests
{
    [Test]
    public async Task The_document_is_served_without_a_token_naming_the_deployments_tenant_and_scope()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App();
        app.SendsTokenByDefault = false;
        var signIn = app.SignIn;

        var answer = await app.SendAsync(TestRequest.Get("/api/openapi.json"));

        Assert.That(answer.Status, Is.EqualTo(200), answer.ToString());
        var served = JsonNode.Parse(answer.Body)!;
        var flows = served["components"]!["securitySchemes"]!["entraId"]!["flows"]!;
        Assert.Multiple(() =>
        {
            Assert.That(answer.ContentType, Is.EqualTo("application/json"));
            Assert.That(served["openapi"]!.GetValue<string>(), Is.EqualTo("3.1.0"));
            Assert.That(flows["authorizationCode"]!["authorizationUrl"]!.GetValue<string>(), Is.EqualTo($"{signIn.Provider.Instance}{signIn.Provider.TenantId}/oauth2/v2.0/authorize"));
            Assert.That(flows["authorizationCode"]!["tokenUrl"]!.GetValue<string>(), Is.EqualTo($"{signIn.Provider.Instance}{signIn.Provider.TenantId}/oauth2/v2.0/token"));
            Assert.That(flows["authorizationCode"]!["scopes"]!.AsObject().Select(s => s.Key), Is.EqualTo(new[] { $"{signIn.AppIdUri}/Todos.ReadWrite" }));
            Assert.That(flows["clientCredentials"]!["scopes"]!.AsObject().Select(s => s.Key), Is.EqualTo(new[] { $"{signIn.AppIdUri}/.default" }));
            Assert.That(served["security"]![0]!["entraId"]![0]!.GetValue<string>(), Is.EqualTo($"{signIn.AppIdUri}/Todos.ReadWrite"));
            Assert.That(answer.Body, Does.Not.Contain(OpenApiDocument.AuthorityPlaceholder).And.Not.Contain(OpenApiDocument.AppIdUriPlaceholder));
            Assert.That(served["paths"]!.AsObject().Select(p => p.Key), Is.EqualTo(OpenApiSpec.Document["paths"]!.AsObject().Select(p => p.Key)), "the same API");
            Assert.That(peers.Server.Statements, Is.Empty, "serving the document touches no database");
        });
    }

    [Test]
    public void An_application_ID_URI_audience_names_the_scopes_as_it_is()
    {
        var served = OpenApiDocument.Serve(OpenApiDocument.Committed(), new AzureSqlFunctions.Auth.AuthOptions
        {
            TenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47",
            Audience = "https://api.contoso.com/todos/",
            Scope = "Tasks.Manage",
        });

        Assert.That(served, Does.Contain("\"https://api.contoso.com/todos/Tasks.Manage\"").And.Contain("\"https://api.contoso.com/todos/.default\""));
        Assert.That(served, Does.Contain("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize"));
    }
}
