using System.Text.Json.Nodes;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// Both network choices, evaluated: the compiled main.bicep with the parameter values main.bicepparam builds for
/// AZURE_VNET_ENABLED=true (the default) and =false, followed into the modules. Private: no public endpoint on SQL or
/// storage, no firewall rule, a network with the Flex subnet delegation, private endpoints with their DNS zones, VNet
/// integration on the app. Public (quick trials): what README says it exposes, and nothing else.
/// </summary>
[TestFixture]
public sealed class PrivateNetworkTests
{
    private ArmTemplate main = null!;
    private ArmEvaluator privateDeployment = null!;
    private ArmEvaluator publicDeployment = null!;

    [OneTimeSetUp]
    public async Task CompileBothChoices()
    {
        main = await MainTemplate.CompileAsync();
        var privateValues = MainParameters.ParameterValues(await MainParameters.BuildAsync());
        var publicValues = MainParameters.ParameterValues(await MainParameters.BuildAsync(new Dictionary<string, string> { ["AZURE_VNET_ENABLED"] = "false" }));
        Assert.That(privateValues["vnetEnabled"]!.GetValue<bool>(), Is.True, "the default");
        privateDeployment = ArmEvaluator.For(main, privateValues);
        publicDeployment = ArmEvaluator.For(main, publicValues);
    }

    [Test]
    public void Private_sql_server_has_public_access_disabled_and_no_firewall_rule()
    {
        var sql = privateDeployment.ForModule("sql");

        Assert.Multiple(() =>
        {
            Assert.That(sql.Evaluate(SqlServer()["properties"]!["publicNetworkAccess"])?.GetValue<string>(), Is.EqualTo("Disabled"));
            Assert.That(FirewallRules().Where(sql.IsDeployed), Is.Empty, "a firewall rule is deployed");
        });
    }

    [Test]
    public void Public_sql_server_allows_Azure_services_only_and_never_a_range()
    {
        var sql = publicDeployment.ForModule("sql");
        var deployed = FirewallRules().Where(sql.IsDeployed).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(sql.Evaluate(SqlServer()["properties"]!["publicNetworkAccess"])?.GetValue<string>(), Is.EqualTo("Enabled"));
            Assert.That(deployed.Select(rule => (rule["properties"]!["startIpAddress"]!.ToString(), rule["properties"]!["endIpAddress"]!.ToString())),
                Is.EqualTo(new[] { ("0.0.0.0", "0.0.0.0") }), "only Azure's 'Allow Azure services' rule");
        });
    }

    [Test]
    public void No_firewall_rule_for_a_client_address_is_part_of_the_template()
    {
        // The deployer's address is the postprovision hook's business, for its run only.
        Assert.That(FirewallRules().Select(rule => rule["properties"]!["startIpAddress"]!.ToString()), Has.All.EqualTo("0.0.0.0"));
    }

    [Test]
    public void Private_storage_has_no_public_endpoint()
    {
        var storage = privateDeployment.ForModule("storage");
        var properties = storage.Evaluate(StorageAccount()["properties"])!;

        Assert.Multiple(() =>
        {
            Assert.That(properties["publicNetworkAccess"]?.GetValue<string>(), Is.EqualTo("Disabled"));
            Assert.That(properties["networkAcls"]?["defaultAction"]?.GetValue<string>(), Is.EqualTo("Deny"));
            Assert.That(properties["networkAcls"]?["bypass"]?.GetValue<string>(), Is.EqualTo("None"));
        });
    }

    [Test]
    public void Public_storage_is_reachable_but_still_refuses_keys()
    {
        var properties = publicDeployment.ForModule("storage").Evaluate(StorageAccount()["properties"])!;

        Assert.Multiple(() =>
        {
            Assert.That(properties["publicNetworkAccess"]?.GetValue<string>(), Is.EqualTo("Enabled"));
            Assert.That(properties["allowSharedKeyAccess"]?.GetValue<bool>(), Is.False);
        });
    }

    [Test]
    public void Network_and_private_endpoints_exist_only_in_the_private_deployment()
    {
        string[] modules = ["network", "sql-private-endpoint", "blob-private-endpoint"];

        Assert.Multiple(() =>
        {
            foreach (var module in modules)
            {
                var deployment = main.Module(module).DeploymentResource;
                Assert.That(privateDeployment.IsDeployed(deployment), Is.True, $"{module} (private)");
                Assert.That(publicDeployment.IsDeployed(deployment), Is.False, $"{module} (public)");
            }
        });
    }

    [Test]
    public void Flex_integration_subnet_is_delegated_to_Microsoft_App_environments()
    {
        var network = main.Module("network");
        var (_, virtualNetwork) = network.SingleResourceOfType("Microsoft.Network/virtualNetworks");
        var evaluated = privateDeployment.ForModule(network).Evaluate(virtualNetwork["properties"])!;
        var subnets = evaluated["subnets"]!.AsArray().Select(subnet => subnet!.AsObject()).ToList();
        var appSubnetName = privateDeployment.ForModule(network).Evaluate(JsonValue.Create("[variables('appSubnetName')]"))!.GetValue<string>();
        var appSubnet = subnets.Single(subnet => subnet["name"]!.GetValue<string>() == appSubnetName);
        var others = subnets.Except([appSubnet]).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(appSubnet["properties"]!["delegations"]!.AsArray().Select(d => d!["properties"]!["serviceName"]!.GetValue<string>()),
                Is.EqualTo(new[] { "Microsoft.App/environments" }));
            Assert.That(others, Has.Count.EqualTo(1), "one subnet for the private endpoints");
            Assert.That(others[0]["properties"]!["privateEndpointNetworkPolicies"]?.GetValue<string>(), Is.EqualTo("Disabled"));
            Assert.That(network.Output("appSubnetId")["value"]!.ToString(), Does.Contain("variables('appSubnetName')"));
        });
    }

    [Test]
    public void Function_app_is_integrated_with_the_app_subnet_only_in_the_private_deployment()
    {
        var functionModule = main.SingleResourceOfType("Microsoft.Web/sites").Template;
        var (_, site) = functionModule.SingleResourceOfType("Microsoft.Web/sites");
        var privateSubnet = privateDeployment.ForModule(functionModule).Evaluate(site["properties"]!["virtualNetworkSubnetId"]);
        var publicSubnet = publicDeployment.ForModule(functionModule).Evaluate(site["properties"]!["virtualNetworkSubnetId"]);
        var dependsOn = functionModule.DeploymentResource["dependsOn"]?.AsArray().Select(d => d!.ToString()).ToList() ?? [];

        Assert.Multiple(() =>
        {
            Assert.That(main.ModuleOutputsReferencedBy(privateSubnet?.GetValue<string>() ?? ""), Is.EqualTo(new[] { ("network", "appSubnetId") }));
            Assert.That(publicSubnet, Is.Null, "no VNet integration without the network");
            // The app reads its package and host storage through the endpoint from its first start.
            Assert.That(dependsOn, Does.Contain("blobPrivateEndpoint").And.Contain("sqlPrivateEndpoint"));
        });
    }

    [TestCase("sql-private-endpoint", "sqlServer", "sql", "serverId", "[format('privatelink{0}', environment().suffixes.sqlServerHostname)]")]
    [TestCase("blob-private-endpoint", "blob", "storage", "id", "[format('privatelink.blob.{0}', environment().suffixes.storage)]")]
    public void Private_endpoint_reaches_its_service_and_registers_in_its_privatelink_zone(
        string deploymentName, string groupId, string serviceModule, string serviceOutput, string zoneName)
    {
        var module = main.Module(deploymentName);
        var evaluator = privateDeployment.ForModule(module);
        var (_, endpoint) = module.SingleResourceOfType("Microsoft.Network/privateEndpoints");
        var (_, zone) = module.SingleResourceOfType("Microsoft.Network/privateDnsZones");
        var (_, link) = module.SingleResourceOfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks");
        var (_, zoneGroup) = module.SingleResourceOfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups");
        var connection = evaluator.Evaluate(endpoint["properties"]!["privateLinkServiceConnections"])!.AsArray().Single()!["properties"]!;
        string Opaque(JsonNode? value) => value?.GetValue<string>() ?? "";

        Assert.Multiple(() =>
        {
            Assert.That(connection["groupIds"]!.AsArray().Select(g => g!.GetValue<string>()), Is.EqualTo(new[] { groupId }));
            Assert.That(main.ModuleOutputsReferencedBy(Opaque(connection["privateLinkServiceId"])), Is.EqualTo(new[] { (serviceModule, serviceOutput) }));
            Assert.That(main.ModuleOutputsReferencedBy(Opaque(evaluator.Evaluate(endpoint["properties"]!["subnet"]!["id"]))),
                Is.EqualTo(new[] { ("network", "privateEndpointSubnetId") }));
            // The zone: the cloud's privatelink name for the service, global, linked to the network, never auto-registering.
            Assert.That(module.ArgumentFromParent("privateDnsZoneName"), Is.EqualTo(zoneName));
            Assert.That(zone["name"]!.ToString(), Is.EqualTo("[parameters('privateDnsZoneName')]"));
            Assert.That(zone["location"]!.ToString(), Is.EqualTo("global"));
            Assert.That(main.ModuleOutputsReferencedBy(Opaque(evaluator.Evaluate(link["properties"]!["virtualNetwork"]!["id"]))), Is.EqualTo(new[] { ("network", "id") }));
            Assert.That(link["properties"]!["registrationEnabled"]!.GetValue<bool>(), Is.False);
            // The zone group writes the endpoint's record into that zone.
            Assert.That(zoneGroup["name"]!.ToString(), Does.StartWith("[format('{0}/{1}', parameters('name')"));
            Assert.That(zoneGroup["properties"]!["privateDnsZoneConfigs"]!.AsArray().Single()!["properties"]!["privateDnsZoneId"]!.ToString(),
                Is.EqualTo("[resourceId('Microsoft.Network/privateDnsZones', parameters('privateDnsZoneName'))]"));
        });
    }

    [Test]
    public async Task Free_offer_pauses_the_database_and_the_paid_database_keeps_its_auto_pause_delay()
    {
        var free = ArmEvaluator.For(main, MainParameters.ParameterValues(await MainParameters.BuildAsync(new Dictionary<string, string> { ["AZURE_SQL_USE_FREE_LIMIT"] = "true" })));
        var (_, database) = main.Module("sql").SingleResourceOfType("Microsoft.Sql/servers/databases");
        var freeProperties = free.ForModule("sql").Evaluate(database["properties"])!.AsObject();
        var paidProperties = privateDeployment.ForModule("sql").Evaluate(database["properties"])!.AsObject();

        Assert.Multiple(() =>
        {
            Assert.That(freeProperties["useFreeLimit"]?.GetValue<bool>(), Is.True);
            Assert.That(freeProperties["freeLimitExhaustionBehavior"]?.GetValue<string>(), Is.EqualTo("AutoPause"));
            Assert.That(freeProperties["maxSizeBytes"]?.GetValue<long>(), Is.EqualTo(32L * 1024 * 1024 * 1024), "the free offer's 32 GB");
            Assert.That(freeProperties["requestedBackupStorageRedundancy"]?.GetValue<string>(), Is.EqualTo("Local"));
            Assert.That(freeProperties.ContainsKey("autoPauseDelay"), Is.False, "the free offer takes only its default delay");
            Assert.That(paidProperties.ContainsKey("useFreeLimit"), Is.False);
            Assert.That(paidProperties["autoPauseDelay"]?.GetValue<long>(), Is.EqualTo(60));
        });
    }

    private JsonObject SqlServer() => main.Module("sql").SingleResourceOfType("Microsoft.Sql/servers").Resource;

    private JsonObject StorageAccount() => main.Module("storage").SingleResourceOfType("Microsoft.Storage/storageAccounts").Resource;

    private List<JsonObject> FirewallRules() =>
        [.. main.Module("sql").ResourcesOfType("Microsoft.Sql/servers/firewallRules").Select(found => found.Resource)];
}
