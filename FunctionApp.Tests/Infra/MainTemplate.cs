namespace AzureSqlFunctions.Tests.Infra;

/// <summary>infra/main.bicep, compiled once per test run and shared by the fixtures.</summary>
internal static class MainTemplate
{
    public const string RelativePath = "infra/main.bicep";

    private static readonly Lazy<Task<BicepCli.Result>> Build =
        new(() => BicepCli.RunAsync("build", RelativePath, "--stdout"));

    public static Task<BicepCli.Result> BuildAsync() => Build.Value;

    public static async Task<ArmTemplate> CompileAsync()
    {
        var result = await BuildAsync();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"bicep build failed ({result.ExitCode}):{Environment.NewLine}{result.StandardError}");
        }

        return ArmTemplate.Parse(result.StandardOutput);
    }
}
