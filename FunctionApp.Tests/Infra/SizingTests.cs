using System.Globalization;
using System.Text.Json.Nodes;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// The sizing rules (infra/sizing.bicep) as azd meets them: infra/main.bicepparam built with the azd environment's
/// values, the way `azd provision` builds it. The defaults pass; a value set that breaks a rule fails the build with
/// that rule's message, naming the values to change. main.bicep applies the same rules again at deployment.
/// </summary>
[TestFixture]
public sealed class SizingTests
{
    // Documented "Max concurrent workers" of serverless General Purpose Gen5: 75 per max vCore (Microsoft Learn,
    // "Resource limits for single databases using the vCore purchasing model"). Written out here, not read from
    // the template, so a wrong table cannot pass its own check.
    private const int WorkersPerVCore = 75;

    // Flex Consumption's documented lowest maximum instance count outside the preview regions.
    private const int FlexInstanceFloor = 40;

    private ArmTemplate main = null!;

    [OneTimeSetUp]
    public async Task CompileMainTemplate() => main = await MainTemplate.CompileAsync();

    [Test]
    public async Task Defaults_are_private_Flex_valid_and_within_the_documented_worker_limit()
    {
        var values = MainParameters.ParameterValues(await MainParameters.BuildAsync());
        int Value(string name) => values[name]!.GetValue<int>();
        var peak = (Value("sqlMaxPoolSize") * (Value("maximumInstanceCount") + Value("singletonFunctionInstances"))) + Value("sqlReservedWorkers");

        Assert.Multiple(() =>
        {
            Assert.That(values["vnetEnabled"]!.GetValue<bool>(), Is.True, "private networking is the default");
            Assert.That(values["useFreeLimit"]!.GetValue<bool>(), Is.False, "the free offer is a choice for development");
            Assert.That(Value("maximumInstanceCount"), Is.GreaterThanOrEqualTo(FlexInstanceFloor));
            Assert.That(Value("singletonFunctionInstances"), Is.EqualTo(1), "the purge timer");
            Assert.That(Value("sqlReservedWorkers"), Is.Positive, "room for the hook and admin tools");
            Assert.That(peak, Is.LessThanOrEqualTo(WorkersPerVCore * Value("sqlSkuCapacity")));
            Assert.That(Value("httpPerInstanceConcurrency"), Is.LessThanOrEqualTo(Value("sqlMaxPoolSize")));
        });
    }

    [Test]
    public async Task The_free_offer_builds_with_the_default_sizing()
    {
        var values = MainParameters.ParameterValues(await MainParameters.BuildAsync(new Dictionary<string, string> { ["AZURE_SQL_USE_FREE_LIMIT"] = "true" }));

        Assert.Multiple(() =>
        {
            Assert.That(values["useFreeLimit"]!.GetValue<bool>(), Is.True);
            Assert.That(values["sqlSkuCapacity"]!.GetValue<int>(), Is.LessThanOrEqualTo(4), "the free offer with AutoPause allows at most 4 vCores");
        });
    }

    [Test]
    public async Task Environment_values_reach_their_parameters()
    {
        var values = MainParameters.ParameterValues(await MainParameters.BuildAsync(new Dictionary<string, string>
        {
            ["AZURE_VNET_ENABLED"] = "False",
            ["AZURE_SQL_SKU_CAPACITY"] = "8",
            ["AZURE_SQL_MAX_POOL_SIZE"] = "12",
            ["AZURE_FUNCTION_MAXIMUM_INSTANCE_COUNT"] = "45",
            ["AZURE_FUNCTION_HTTP_CONCURRENCY"] = "12",
            ["AZURE_SQL_RESERVED_WORKERS"] = "20",
        }));

        Assert.Multiple(() =>
        {
            Assert.That(values["vnetEnabled"]!.GetValue<bool>(), Is.False);
            Assert.That(values["sqlSkuCapacity"]!.GetValue<int>(), Is.EqualTo(8));
            Assert.That(values["sqlMaxPoolSize"]!.GetValue<int>(), Is.EqualTo(12));
            Assert.That(values["maximumInstanceCount"]!.GetValue<int>(), Is.EqualTo(45));
            Assert.That(values["httpPerInstanceConcurrency"]!.GetValue<int>(), Is.EqualTo(12));
            Assert.That(values["sqlReservedWorkers"]!.GetValue<int>(), Is.EqualTo(20));
        });
    }

    // GP_S_Gen5_2 has 150 workers: 3 x (40 + 1) + 27 = 150 is the most the rule allows, one more reserved is too many.
    [TestCase("27", 0)]
    [TestCase("28", 1)]
    public async Task The_worker_rule_allows_exactly_the_limit(string reserved, int exitCode)
    {
        var build = await MainParameters.BuildAsync(new Dictionary<string, string>
        {
            ["AZURE_SQL_SKU_CAPACITY"] = "2",
            ["AZURE_SQL_MAX_POOL_SIZE"] = "3",
            ["AZURE_FUNCTION_HTTP_CONCURRENCY"] = "3",
            ["AZURE_SQL_RESERVED_WORKERS"] = reserved,
        });

        Assert.That(build.ExitCode, Is.EqualTo(exitCode), build.StandardError);
    }

    private static IEnumerable<TestCaseData> BrokenRules()
    {
        yield return new TestCaseData(
            new Dictionary<string, string> { ["AZURE_SQL_MAX_POOL_SIZE"] = "10", ["AZURE_FUNCTION_HTTP_CONCURRENCY"] = "10" },
            new[]
            {
                "Concurrent SQL work can reach 420 requests (Max Pool Size 10 x (40 HTTP instances + 1 timer) + 10 reserved), more than the 300 workers of GP_S_Gen5_4",
                "Lower AZURE_SQL_MAX_POOL_SIZE or AZURE_FUNCTION_MAXIMUM_INSTANCE_COUNT, or raise AZURE_SQL_SKU_CAPACITY.",
            }).SetName("Pool size beyond the workers");
        yield return new TestCaseData(
            new Dictionary<string, string> { ["AZURE_FUNCTION_MAXIMUM_INSTANCE_COUNT"] = "100" },
            new[] { "Concurrent SQL work can reach 717 requests (Max Pool Size 7 x (100 HTTP instances + 1 timer) + 10 reserved), more than the 300 workers of GP_S_Gen5_4" })
            .SetName("Instances beyond the workers");
        yield return new TestCaseData(
            new Dictionary<string, string> { ["AZURE_FUNCTION_HTTP_CONCURRENCY"] = "8" },
            new[] { "AZURE_FUNCTION_HTTP_CONCURRENCY 8 is more than AZURE_SQL_MAX_POOL_SIZE 7", "Lower AZURE_FUNCTION_HTTP_CONCURRENCY or raise AZURE_SQL_MAX_POOL_SIZE." })
            .SetName("Concurrency above the pool");
        yield return new TestCaseData(
            new Dictionary<string, string> { ["AZURE_SQL_USE_FREE_LIMIT"] = "true", ["AZURE_SQL_SKU_CAPACITY"] = "6" },
            new[] { "allows at most 4 vCores, not AZURE_SQL_SKU_CAPACITY 6", "Lower AZURE_SQL_SKU_CAPACITY or set AZURE_SQL_USE_FREE_LIMIT=false." })
            .SetName("Free offer above 4 vCores");
        yield return new TestCaseData(
            new Dictionary<string, string> { ["AZURE_SQL_SKU_CAPACITY"] = "3" },
            new[] { "AZURE_SQL_SKU_CAPACITY 3 is not a serverless General Purpose Gen5 size; use one of 1, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40." })
            .SetName("Size without a documented worker limit");
        yield return new TestCaseData(
            new Dictionary<string, string> { ["AZURE_VNET_ENABLED"] = "yes", ["AZURE_SQL_MAX_POOL_SIZE"] = "ten" },
            new[] { "AZURE_VNET_ENABLED must be true or false, not \"yes\".", "AZURE_SQL_MAX_POOL_SIZE must be a whole number, not \"ten\"." })
            .SetName("Values that cannot be read");
    }

    [TestCaseSource(nameof(BrokenRules))]
    public async Task A_value_set_that_breaks_a_rule_fails_the_build_with_its_message(Dictionary<string, string> values, string[] messages)
    {
        var build = await MainParameters.BuildAsync(values);

        Assert.Multiple(() =>
        {
            Assert.That(build.ExitCode, Is.Not.Zero, "the build went through");
            Assert.That(build.StandardError, Does.Contain("Failed to evaluate parameter \"sqlMaxPoolSize\": main.bicepparam: "));
            foreach (var message in messages)
            {
                Assert.That(build.StandardError, Does.Contain(message));
            }
        });
    }

    [Test]
    public void The_deployment_applies_the_same_rules_to_the_pool_size_the_app_gets()
    {
        var argument = FunctionModule.ArgumentFromParent("sqlMaxPoolSize");
        var sizing = main.Variable("sizing")!.AsObject();

        Assert.Multiple(() =>
        {
            Assert.That(main.ResolveVariables(argument),
                Is.EqualTo("[if(empty(variables('sizingProblemText')), parameters('sqlMaxPoolSize'), fail(variables('sizingProblemText')))]"));
            Assert.That(main.Variable("sizingProblemText")!.ToString(), Is.EqualTo("[join(__bicep.sizingProblems(variables('sizing')), ' ')]"));
            // Every input of the rules is the deployment's own parameter of that name.
            Assert.That(sizing.Select(pair => (pair.Key, pair.Value!.ToString())),
                Is.EquivalentTo(sizing.Select(pair => (pair.Key, $"[parameters('{pair.Key}')]"))));
            Assert.That(sizing.Select(pair => pair.Key), Is.EquivalentTo(new[]
            {
                "sqlSkuCapacity", "sqlMaxPoolSize", "maximumInstanceCount", "singletonFunctionInstances",
                "httpPerInstanceConcurrency", "sqlReservedWorkers", "useFreeLimit",
            }));
            Assert.That(main.Json["functions"]?.ToJsonString(), Does.Contain("\"sizingProblems\"").And.Contain("sourceTemplate\":\"sizing.bicep"));
        });
    }

    [Test]
    public void Worker_limit_table_covers_every_allowed_size_at_75_workers_per_vcore()
    {
        var allowed = main.Parameter("sqlSkuCapacity")!["allowedValues"]!.AsArray().Select(value => value!.GetValue<int>()).ToList();
        var limits = main.Json["variables"]!.AsObject().Single(pair => pair.Key.EndsWith("serverlessWorkerLimits", StringComparison.Ordinal)).Value!.AsObject();

        Assert.That(allowed, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(limits.Select(pair => pair.Key), Is.EquivalentTo(allowed.Select(vCores => vCores.ToString(CultureInfo.InvariantCulture))));
            foreach (var vCores in allowed)
            {
                Assert.That(limits[vCores.ToString(CultureInfo.InvariantCulture)]?.GetValue<int>(), Is.EqualTo(WorkersPerVCore * vCores), $"GP_S_Gen5_{vCores}");
            }
        });
    }

    [Test]
    public async Task Parameters_file_supplies_every_parameter_without_a_default()
    {
        var supplied = MainParameters.ParameterValues(await MainParameters.BuildAsync()).Select(pair => pair.Key).ToList();
        var declared = main.Json["parameters"]!.AsObject();
        var required = declared.Where(pair => pair.Value?["defaultValue"] is null).Select(pair => pair.Key).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(required, Is.SubsetOf(supplied));
            Assert.That(supplied, Is.SubsetOf(declared.Select(pair => pair.Key)), "the parameters file names an unknown parameter");
            Assert.That(declared["vnetEnabled"]?["defaultValue"]?.GetValue<bool>(), Is.True, "main.bicep on its own is private too");
        });
    }

    private ArmTemplate FunctionModule => main.SingleResourceOfType("Microsoft.Web/sites").Template;
}
