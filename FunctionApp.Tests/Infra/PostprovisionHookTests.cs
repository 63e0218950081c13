using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// infra/hooks/postprovision.sh run for real with stand-in `az` and `dotnet` commands: it opens the server for its
/// own run only (public access in the private deployment, one rule for the deployer's address) and closes both
/// again whatever happens — success, a failed deploy, a failure half-way through opening, a signal — and it refuses
/// clearly where opening would expose more than that address.
/// </summary>
[TestFixture]
[Parallelizable(ParallelScope.All)]
public sealed class PostprovisionHookTests
{
    private static readonly string[] OpenDeployClose =
        ["enable public access", "create rule", "deploy", "delete rule", "disable public access"];

    [Test]
    public async Task Private_deployment_opens_the_server_for_the_deploy_only_and_closes_it()
    {
        using var hook = new HookRun(vnetEnabled: true);

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(hook.NetworkChanges, Is.EqualTo(OpenDeployClose));
            Assert.That(hook.Calls, Does.Contain($"during deploy: public=Enabled rules={HookRun.HookRule}"));
            Assert.That(hook.Calls.Single(call => call.StartsWith("az sql server firewall-rule create", StringComparison.Ordinal)),
                Does.Contain($"--start-ip-address {HookRun.ClientIp} --end-ip-address {HookRun.ClientIp}"));
            Assert.That(hook.PublicNetworkAccess, Is.EqualTo("Disabled"));
            Assert.That(hook.FirewallRules, Is.Empty);
        });
    }

    [Test]
    public async Task Deploy_gets_the_server_database_and_the_identity_by_name_object_id_and_client_id()
    {
        using var hook = new HookRun(vnetEnabled: true);

        await hook.RunAsync();

        Assert.That(hook.Calls.Single(call => call.StartsWith("dotnet ", StringComparison.Ordinal)), Does.EndWith(
            "/Database/Database.csproj -- deploy --server sql-abc.database.windows.net --database AzureSqlFunctions"
            + $" --grant id-func-abc --grant-object-id {HookRun.PrincipalId} --grant-client-id {HookRun.ClientId}"));
    }

    [Test]
    public async Task The_owner_of_existing_rows_goes_to_the_deploy_only_when_set()
    {
        const string owner = "72f988bf-86f1-41af-91ab-2d7cd011db47:6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";
        using var hook = new HookRun(vnetEnabled: false);
        hook.Environment["AZURE_SQL_OWNER_OF_EXISTING_ROWS"] = owner;

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(hook.Calls.Single(call => call.StartsWith("dotnet ", StringComparison.Ordinal)), Does.EndWith(
                $"--grant-client-id {HookRun.ClientId} --owner-of-existing-rows {owner}"));
        });
    }

    [Test]
    public async Task A_failed_deploy_still_closes_everything_and_keeps_its_exit_code()
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.Environment["STANDIN_DOTNET_EXIT"] = "3";

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(3));
            Assert.That(hook.NetworkChanges, Is.EqualTo(OpenDeployClose));
            Assert.That(hook.PublicNetworkAccess, Is.EqualTo("Disabled"));
            Assert.That(hook.FirewallRules, Is.Empty);
        });
    }

    [TestCase("TERM", 143)]
    [TestCase("INT", 130)]
    public async Task A_signal_during_the_deploy_stops_it_and_closes_everything(string signal, int exitCode)
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.Environment["STANDIN_DOTNET_SLEEP"] = "30";

        var result = await hook.RunAsync(signal);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(exitCode));
            Assert.That(hook.Calls, Does.Contain("dotnet stopped by TERM"), "the deploy was left running");
            Assert.That(hook.NetworkChanges, Is.EqualTo(OpenDeployClose));
            Assert.That(hook.PublicNetworkAccess, Is.EqualTo("Disabled"));
            Assert.That(hook.FirewallRules, Is.Empty);
        });
    }

    [Test]
    public async Task A_failure_half_way_through_opening_closes_what_was_opened_and_deploys_nothing()
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.Environment["STANDIN_FAIL"] = "firewall-rule create";

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero);
            Assert.That(hook.NetworkChanges, Is.EqualTo(new[] { "enable public access", "create rule", "delete rule", "disable public access" }));
            Assert.That(hook.PublicNetworkAccess, Is.EqualTo("Disabled"));
            Assert.That(hook.FirewallRules, Is.Empty);
        });
    }

    [Test]
    public async Task Public_access_a_policy_keeps_disabled_ends_the_hook_with_what_to_do_instead()
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.PolicyKeepsPublicAccessDisabled();

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardError, Does.Contain("stayed 'Disabled'").And.Contain("AZURE_SQL_HOOK_TEMPORARY_ACCESS=false"));
            Assert.That(hook.NetworkChanges, Is.EqualTo(new[] { "enable public access", "disable public access" }));
            Assert.That(hook.FirewallRules, Is.Empty);
        });
    }

    [Test]
    public async Task Private_deployment_refuses_to_open_while_other_firewall_rules_would_become_live()
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.AddFirewallRule("AllowDeployerClientIp", "198.51.100.1");

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardError, Does.Contain("firewall rules this hook did not create (AllowDeployerClientIp)"));
            Assert.That(hook.NetworkChanges, Is.Empty, "nothing opened");
            Assert.That(hook.PublicNetworkAccess, Is.EqualTo("Disabled"));
        });
    }

    [Test]
    public async Task A_rule_left_by_an_earlier_killed_run_is_replaced_and_removed()
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.AddFirewallRule(HookRun.HookRule, "198.51.100.1");

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(hook.FirewallRules, Is.Empty);
        });
    }

    [Test]
    public async Task Public_deployment_adds_and_removes_only_the_deployer_rule()
    {
        using var hook = new HookRun(vnetEnabled: false);
        hook.AddFirewallRule("AllowAllWindowsAzureIps", "0.0.0.0");

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(hook.NetworkChanges, Is.EqualTo(new[] { "create rule", "deploy", "delete rule" }));
            Assert.That(hook.Calls, Does.Contain($"during deploy: public=Enabled rules=AllowAllWindowsAzureIps,{HookRun.HookRule}"));
            Assert.That(hook.FirewallRules, Is.EqualTo(new Dictionary<string, string> { ["AllowAllWindowsAzureIps"] = "0.0.0.0-0.0.0.0" }));
            Assert.That(hook.PublicNetworkAccess, Is.EqualTo("Enabled"), "the public deployment's own setting");
        });
    }

    [Test]
    public async Task Without_temporary_access_the_hook_changes_no_network_setting()
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.Environment["AZURE_SQL_HOOK_TEMPORARY_ACCESS"] = "false";
        hook.Environment["AZURE_CLIENT_IP_ADDRESS"] = null;
        hook.Environment["STANDIN_DOTNET_EXIT"] = "4";

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(4));
            Assert.That(hook.Calls.Where(call => call.StartsWith("az ", StringComparison.Ordinal)), Is.Empty);
            Assert.That(hook.Calls, Does.Contain("during deploy: public=Disabled rules="));
        });
    }

    [TestCase(null)]
    [TestCase("my-laptop")]
    [TestCase("203.0.113.0/24")]
    public async Task Temporary_access_needs_one_IPv4_address(string? address)
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.Environment["AZURE_CLIENT_IP_ADDRESS"] = address;

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardError, Does.Contain("AZURE_CLIENT_IP_ADDRESS must be this machine's public IPv4 address"));
            Assert.That(hook.Calls, Is.Empty);
        });
    }

    [Test]
    public async Task A_rule_that_cannot_be_removed_fails_the_hook_with_the_command_to_remove_it()
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.Environment["STANDIN_FAIL"] = "firewall-rule delete";

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), "a successful deploy that leaves a rule is no success");
            Assert.That(result.StandardError, Does.Contain($"remove it: az sql server firewall-rule delete --resource-group rg-dev --server sql-abc --name {HookRun.HookRule}"));
            Assert.That(hook.PublicNetworkAccess, Is.EqualTo("Disabled"), "the other half is still closed");
        });
    }

    [TestCase("AZURE_SQL_SERVER_NAME")]
    [TestCase("AZURE_FUNCTION_IDENTITY_CLIENT_ID")]
    [TestCase("AZURE_VNET_ENABLED")]
    public async Task A_missing_provision_output_is_named(string name)
    {
        using var hook = new HookRun(vnetEnabled: true);
        hook.Environment[name] = null;

        var result = await hook.RunAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.StandardError, Does.Contain($"postprovision: {name} is not set; run 'azd provision' first."));
            Assert.That(hook.Calls, Is.Empty);
        });
    }
}
