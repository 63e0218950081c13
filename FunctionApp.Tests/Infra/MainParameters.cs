using System.Text.Json.Nodes;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// infra/main.bicepparam built the way azd builds it: <c>bicep build-params</c> with the azd environment's values as
/// environment variables. <see cref="Required"/> holds the values every azd environment has (azd sets AZURE_ENV_NAME,
/// AZURE_LOCATION and AZURE_PRINCIPAL_ID; README asks for AZURE_SQL_ADMIN_LOGIN and, for sign-in, AZURE_AUTH_AUDIENCE).
/// </summary>
internal static class MainParameters
{
    public const string RelativePath = "infra/main.bicepparam";

    public static readonly IReadOnlyDictionary<string, string> Required = new Dictionary<string, string>
    {
        ["AZURE_ENV_NAME"] = "dev",
        ["AZURE_LOCATION"] = "swedencentral",
        ["AZURE_PRINCIPAL_ID"] = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13",
        ["AZURE_SQL_ADMIN_LOGIN"] = "admin@contoso.com",
        ["AZURE_AUTH_AUDIENCE"] = "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    };

    /// <summary>The build with <see cref="Required"/> plus <paramref name="values"/> (which win).</summary>
    public static Task<BicepCli.Result> BuildAsync(IReadOnlyDictionary<string, string>? values = null)
    {
        var environment = new Dictionary<string, string>(Required);
        foreach (var (name, value) in values ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        return BicepCli.RunAsync(environment, "build-params", RelativePath, "--stdout");
    }

    /// <summary>The parameter values of a successful build, by name.</summary>
    public static JsonObject ParameterValues(BicepCli.Result build)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (build.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build-params failed ({build.ExitCode}):{Environment.NewLine}{build.StandardError}");
        }

        var output = JsonNode.Parse(build.StandardOutput)!.AsObject();
        var parameters = JsonNode.Parse(output["parametersJson"]!.GetValue<string>())!["parameters"]!.AsObject();
        return new JsonObject(parameters.Select(pair => KeyValuePair.Create<string, JsonNode?>(pair.Key, pair.Value!["value"]!.DeepClone())));
    }
}
