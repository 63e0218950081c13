using System.Text.Json;
using System.Text.Json.Nodes;
using NUnit.Framework;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// Security and sizing properties of the compiled infra/main.bicep. Values in ARM JSON are often
/// expressions, so the tests follow parameters across module boundaries to where they come from.
/// </summary>
[TestFixture]
public sealed class MainTemplateTests
{
    // Key=value fragments of connection strings that carry or weaken a credential, and the ARM
    // function that would pull a storage key into the template.
    private static readonly string[] CredentialShapedText =
        ["Password=", "Pwd=", "User ID=", "TrustServerCertificate=True", "AccountKey=", "listKeys("];

    private ArmTemplate main = null!;

    [OneTimeSetUp]
    public async Task CompileMainTemplate() => main = await MainTemplate.CompileAsync();

    [Test]
    public void Sql_server_accepts_Entra_tokens_only_over_TLS_1_2()
    {
        var (_, server) = main.SingleResourceOfType("Microsoft.Sql/servers");
        var properties = server["properties"]!.AsObject();
        var administrators = properties["administrators"]?.AsObject();

        Assert.Multiple(() =>
        {
            Assert.That(administrators?["administratorType"]?.ToString(), Is.EqualTo("ActiveDirectory"));
            Assert.That(administrators?["azureADOnlyAuthentication"]?.GetValueKind(), Is.EqualTo(JsonValueKind.True));
            Assert.That(properties["minimalTlsVersion"]?.ToString(), Is.EqualTo("1.2"));
            Assert.That(properties.ContainsKey("administratorLoginPassword"), Is.False, "a SQL login password is declared");
            Assert.That(properties.ContainsKey("administratorLogin"), Is.False, "a SQL login is declared");
        });
    }

    [Test]
    public void Sql_firewall_rules_each_open_a_single_address()
    {
        var rules = main.ResourcesOfType("Microsoft.Sql/servers/firewallRules");

        Assert.Multiple(() =>
        {
            foreach (var (_, rule) in rules)
            {
                var start = rule["properties"]?["startIpAddress"]?.ToString();
                var end = rule["properties"]?["endIpAddress"]?.ToString();
                Assert.That(end, Is.EqualTo(start), $"firewall rule {rule["name"]} spans a range");
            }
        });
    }

    [Test]
    public void No_app_setting_or_connection_string_carries_a_credential()
    {
        var forbidden = new[] { "Password", "Pwd", "User ID", "UID=", "TrustServerCertificate=True", "AccountKey", "SharedAccessSignature" };
        var values = AppSettings().Select(pair => (pair.Key, Value: ResolveInFunctionModule(pair.Value)))
            .Concat(SiteConnectionStrings())
            .ToList();

        Assert.That(values, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var (key, value) in values)
            {
                foreach (var word in forbidden)
                {
                    Assert.That(value, Does.Not.Contain(word).IgnoreCase, $"{key} contains '{word}'");
                }
            }
        });
    }

    [Test]
    public void Sql_connection_string_requires_encryption_and_leaves_the_credential_to_the_app()
    {
        var connectionString = ResolveInFunctionModule(AppSettings()["Sql__ConnectionString"]);

        Assert.Multiple(() =>
        {
            Assert.That(connectionString, Does.Contain("Encrypt=True;"));
            Assert.That(connectionString, Does.Contain("TrustServerCertificate=False;"));
            Assert.That(connectionString, Does.Not.Contain("Authentication").IgnoreCase);
            Assert.That(connectionString, Does.Not.Contain("Integrated Security").IgnoreCase);
            Assert.That(connectionString, Does.Contain("Max Pool Size="));
            Assert.That(AppSettings()["Sql__Credential"], Is.EqualTo("ManagedIdentity"));
            Assert.That(AppSettings().ContainsKey("Maintenance__PurgeSchedule"), Is.True, "the timer's %Maintenance:PurgeSchedule% needs it");
        });
    }

    [Test]
    public void Whole_template_holds_no_credential_shaped_text()
    {
        var text = main.Json.ToJsonString();

        Assert.Multiple(() =>
        {
            foreach (var word in CredentialShapedText)
            {
                Assert.That(text, Does.Not.Contain(word).IgnoreCase);
            }
        });
    }

    [Test]
    public void Storage_account_refuses_keys_plain_http_old_tls_and_public_blobs()
    {
        var (_, storage) = main.SingleResourceOfType("Microsoft.Storage/storageAccounts");
        var properties = storage["properties"]!;

        Assert.Multiple(() =>
        {
            Assert.That(properties["allowSharedKeyAccess"]?.GetValueKind(), Is.EqualTo(JsonValueKind.False));
            Assert.That(properties["allowBlobPublicAccess"]?.GetValueKind(), Is.EqualTo(JsonValueKind.False));
            Assert.That(properties["supportsHttpsTrafficOnly"]?.GetValueKind(), Is.EqualTo(JsonValueKind.True));
            Assert.That(properties["minimumTlsVersion"]?.ToString(), Is.EqualTo("TLS1_2"));
        });
    }

    [Test]
    public void Monitoring_accepts_Entra_authenticated_telemetry_only()
    {
        var (_, component) = main.SingleResourceOfType("Microsoft.Insights/components");
        var (_, workspace) = main.SingleResourceOfType("Microsoft.OperationalInsights/workspaces");

        Assert.Multiple(() =>
        {
            Assert.That(component["properties"]?["DisableLocalAuth"]?.GetValueKind(), Is.EqualTo(JsonValueKind.True));
            Assert.That(workspace["properties"]?["features"]?["disableLocalAuth"]?.GetValueKind(), Is.EqualTo(JsonValueKind.True));
            Assert.That(AppSettings()["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"],
                Does.Match(@"^\[format\('ClientId=\{0\};Authorization=AAD', parameters\('identityClientId'\)\)\]$"));
            Assert.That(ArgumentToFunctionModule("identityClientId"), Does.Contain("outputs.clientId.value"));
        });
    }

    [Test]
    public void App_identity_may_publish_metrics_to_application_insights()
    {
        const string monitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";
        var assignment = main.ResourcesOfType("Microsoft.Authorization/roleAssignments")
            .SingleOrDefault(found => RoleDefinitionOf(found).Contains(monitoringMetricsPublisher, StringComparison.Ordinal));

        Assert.That(assignment.Resource, Is.Not.Null, "no Monitoring Metrics Publisher assignment");
        Assert.Multiple(() =>
        {
            Assert.That(assignment.Resource["scope"]?.ToString(), Does.Contain("Microsoft.Insights/components"));
            AssertIsIdentityPrincipal(assignment.Template, assignment.Resource["properties"]!["principalId"]!.ToString());
        });
    }

    [Test]
    public void App_identity_owns_blob_data_on_the_host_storage_account()
    {
        const string storageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
        var assignment = main.ResourcesOfType("Microsoft.Authorization/roleAssignments")
            .SingleOrDefault(found => RoleDefinitionOf(found).Contains(storageBlobDataOwner, StringComparison.Ordinal));

        Assert.That(assignment.Resource, Is.Not.Null, "no Storage Blob Data Owner assignment");
        Assert.Multiple(() =>
        {
            Assert.That(assignment.Resource["scope"]?.ToString(), Does.Contain("Microsoft.Storage/storageAccounts"));
            AssertIsIdentityPrincipal(assignment.Template, assignment.Resource["properties"]!["principalId"]!.ToString());
        });
    }

    [Test]
    public void Function_app_runs_dotnet_isolated_10_on_a_Flex_Consumption_plan()
    {
        var (_, plan) = main.SingleResourceOfType("Microsoft.Web/serverfarms");
        var (_, site) = main.SingleResourceOfType("Microsoft.Web/sites");
        var runtime = site["properties"]?["functionAppConfig"]?["runtime"];
        var scale = site["properties"]?["functionAppConfig"]?["scaleAndConcurrency"];

        Assert.Multiple(() =>
        {
            Assert.That(plan["sku"]?["name"]?.ToString(), Is.EqualTo("FC1"));
            Assert.That(plan["sku"]?["tier"]?.ToString(), Is.EqualTo("FlexConsumption"));
            Assert.That(site["properties"]?["serverFarmId"]?.ToString(), Does.Contain("Microsoft.Web/serverfarms"));
            Assert.That(runtime?["name"]?.ToString(), Is.EqualTo("dotnet-isolated"));
            Assert.That(runtime?["version"]?.ToString(), Is.EqualTo("10.0"));
            Assert.That(scale?["maximumInstanceCount"]?.ToString(), Is.EqualTo("[parameters('maximumInstanceCount')]"));
            Assert.That(scale?["instanceMemoryMB"]?.ToString(), Is.EqualTo("[parameters('instanceMemoryMB')]"));
            Assert.That(scale?["triggers"]?["http"]?["perInstanceConcurrency"]?.ToString(), Is.EqualTo("[parameters('httpPerInstanceConcurrency')]"));
            // Flex takes the runtime from functionAppConfig and rejects these as app settings.
            Assert.That(AppSettings().Keys, Has.None.EqualTo("FUNCTIONS_WORKER_RUNTIME").And.None.EqualTo("FUNCTIONS_EXTENSION_VERSION"));
        });
    }

    [Test]
    public void Site_runs_as_the_user_assigned_identity_for_host_and_deployment_storage()
    {
        var (functionModule, site) = main.SingleResourceOfType("Microsoft.Web/sites");
        var identity = site["identity"]!;
        var attachedKeys = identity["userAssignedIdentities"]?.AsObject().Select(pair => pair.Key).ToList() ?? [];
        var deploymentStorage = site["properties"]?["functionAppConfig"]?["deployment"]?["storage"];
        var settings = AppSettings();

        Assert.That(attachedKeys, Has.Count.EqualTo(1));
        var identityParameter = ArmTemplate.ParametersReferencedBy(attachedKeys[0]).Single();
        Assert.Multiple(() =>
        {
            Assert.That(identity["type"]?.ToString(), Is.EqualTo("UserAssigned"));
            AssertComesFromIdentityOutput(functionModule, identityParameter, "resourceId");

            Assert.That(deploymentStorage?["type"]?.ToString(), Is.EqualTo("blobContainer"));
            Assert.That(deploymentStorage?["authentication"]?["type"]?.ToString(), Is.EqualTo("UserAssignedIdentity"));
            Assert.That(deploymentStorage?["authentication"]?["userAssignedIdentityResourceId"]?.ToString(),
                Is.EqualTo($"[parameters('{identityParameter}')]"));

            Assert.That(settings, Does.Not.ContainKey("AzureWebJobsStorage"), "a connection-string AzureWebJobsStorage");
            Assert.That(settings.GetValueOrDefault("AzureWebJobsStorage__credential"), Is.EqualTo("managedidentity"));
            Assert.That(settings, Does.ContainKey("AzureWebJobsStorage__accountName"));
            var clientIdParameter = ArmTemplate.ParametersReferencedBy(settings.GetValueOrDefault("AzureWebJobsStorage__clientId") ?? "").SingleOrDefault();
            Assert.That(clientIdParameter, Is.Not.Null, "AzureWebJobsStorage__clientId is not a parameter");
            AssertComesFromIdentityOutput(functionModule, clientIdParameter!, "clientId");
            Assert.That(settings.GetValueOrDefault("Sql__ManagedIdentityClientId"), Is.EqualTo($"[parameters('{clientIdParameter}')]"));
        });
    }

    [Test]
    public void Outputs_give_azd_and_the_hooks_what_they_need()
    {
        string OutputValue(string name) => main.Output(name)["value"]!.ToString();

        Assert.Multiple(() =>
        {
            Assert.That(main.ModuleOutputsReferencedBy(OutputValue("AZURE_SQL_SERVER_NAME")), Is.EqualTo(new[] { ("sql", "serverName") }));
            Assert.That(main.ModuleOutputsReferencedBy(OutputValue("AZURE_SQL_SERVER_FQDN")), Is.EqualTo(new[] { ("sql", "serverFqdn") }));
            Assert.That(main.ModuleOutputsReferencedBy(OutputValue("AZURE_SQL_DATABASE_NAME")), Is.EqualTo(new[] { ("sql", "databaseName") }));
            Assert.That(main.ModuleOutputsReferencedBy(OutputValue("AZURE_FUNCTION_APP_NAME")), Is.EqualTo(new[] { ("function-app", "name") }));
            Assert.That(main.ModuleOutputsReferencedBy(OutputValue("AZURE_FUNCTION_IDENTITY_NAME")), Is.EqualTo(new[] { (IdentityModule, "name") }));
            Assert.That(main.ModuleOutputsReferencedBy(OutputValue("AZURE_FUNCTION_IDENTITY_CLIENT_ID")), Is.EqualTo(new[] { (IdentityModule, "clientId") }));
            Assert.That(main.ModuleOutputsReferencedBy(OutputValue("AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID")), Is.EqualTo(new[] { (IdentityModule, "principalId") }));
            Assert.That(main.Module(IdentityModule).Output("principalId")["value"]!.ToString(), Does.EndWith(".principalId]"));
            Assert.That(OutputValue("AZURE_RESOURCE_GROUP"), Is.EqualTo(main.OwnResources.Single(r => ArmTemplate.TypeOf(r) == "Microsoft.Resources/resourceGroups")["name"]!.ToString()));
            // The hook opens public network access only in the private deployment.
            Assert.That(OutputValue("AZURE_VNET_ENABLED"), Is.EqualTo("[parameters('vnetEnabled')]"));
            Assert.That(main.Output("AZURE_VNET_ENABLED")["type"]!.ToString(), Is.EqualTo("bool"));
        });
    }

    private string IdentityModule => main.ModuleDeclaring("Microsoft.ManagedIdentity/userAssignedIdentities");

    private ArmTemplate FunctionModule => main.SingleResourceOfType("Microsoft.Web/sites").Template;

    private Dictionary<string, string> AppSettings()
    {
        var settings = main.ResourcesOfType("Microsoft.Web/sites/config")
            .Where(found => found.Resource["name"]?.ToString().Contains("appsettings", StringComparison.Ordinal) == true)
            .SelectMany(found => found.Resource["properties"]!.AsObject())
            .Select(pair => (pair.Key, Value: pair.Value?.ToString() ?? ""));
        var inline = main.ResourcesOfType("Microsoft.Web/sites")
            .SelectMany(found => found.Resource["properties"]?["siteConfig"]?["appSettings"]?.AsArray() ?? [])
            .Select(setting => (Key: setting!["name"]!.ToString(), Value: setting["value"]?.ToString() ?? ""));
        return settings.Concat(inline).ToDictionary(pair => pair.Key, pair => pair.Value);
    }

    private IEnumerable<(string Key, string Value)> SiteConnectionStrings() =>
        main.ResourcesOfType("Microsoft.Web/sites")
            .SelectMany(found => found.Resource["properties"]?["siteConfig"]?["connectionStrings"]?.AsArray() ?? [])
            .Select(entry => (Key: entry!["name"]?.ToString() ?? "(connection string)", Value: entry["connectionString"]?.ToString() ?? ""));

    private static string RoleDefinitionOf((ArmTemplate Template, JsonObject Resource) assignment) =>
        assignment.Template.InlineStringVariables(assignment.Resource["properties"]?["roleDefinitionId"]?.ToString() ?? "");

    private string ResolveInFunctionModule(string value) => FunctionModule.ResolveVariables(value);

    private string ArgumentToFunctionModule(string parameterName) => FunctionModule.ArgumentFromParent(parameterName);

    // The parameter is fed, one level up, by the identity module's output, and that output reads
    // the identity resource: its id for "resourceId", reference(identity).<output> otherwise.
    private void AssertComesFromIdentityOutput(ArmTemplate module, string parameterName, string output)
    {
        var sources = module.Parent!.ModuleOutputsReferencedBy(module.ArgumentFromParent(parameterName));
        Assert.That(sources, Is.EqualTo(new[] { (IdentityModule, output) }), $"{module.DeploymentName}.{parameterName}");
        var outputValue = main.Module(IdentityModule).Output(output)["value"]!.ToString();
        Assert.That(outputValue, Does.Contain("'Microsoft.ManagedIdentity/userAssignedIdentities'"), $"{IdentityModule} output {output}");
        if (output == "resourceId")
        {
            Assert.That(outputValue, Does.StartWith("[resourceId("), $"{IdentityModule} output {output}");
        }
        else
        {
            Assert.That(outputValue, Does.EndWith($".{output}]"), $"{IdentityModule} output {output}");
        }
    }

    private void AssertIsIdentityPrincipal(ArmTemplate module, string principalExpression)
    {
        var parameter = ArmTemplate.ParametersReferencedBy(principalExpression).Single();
        AssertComesFromIdentityOutput(module, parameter, "principalId");
    }
}
