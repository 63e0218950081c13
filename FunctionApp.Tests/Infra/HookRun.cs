using System.Diagnostics;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// One run of infra/hooks/postprovision.sh as azd runs it (the script itself, its shebang, azd's outputs as
/// environment variables), with the HookStandIns `az` and `dotnet` first on PATH. The stand-ins keep the SQL server's
/// network state in files, so a test sees what the hook opened, what was open while the deploy ran, and what is
/// left open afterwards. Everything lives in a temporary folder that disposing removes.
/// </summary>
internal sealed class HookRun : IDisposable
{
    public const string HookRule = "azd-postprovision-deployer";
    public const string ClientIp = "203.0.113.7";
    public const string PrincipalId = "6f1c2b0e-9a54-4d3e-8f61-2c7b9d4e0a13";
    public const string ClientId = "0d3b6a51-2c4e-4f7a-9b8d-1e2f3a4b5c6d";

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(1);

    private readonly string root = Directory.CreateTempSubdirectory("postprovision-").FullName;

    public HookRun(bool vnetEnabled)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("postprovision.sh is the macOS/Linux hook; Windows runs postprovision.ps1.");
        }

        Directory.CreateDirectory(RulesDirectory);
        var bin = Directory.CreateDirectory(Path.Combine(root, "bin")).FullName;
        foreach (var standIn in new[] { "az", "dotnet" })
        {
            var copy = Path.Combine(bin, standIn);
            File.Copy(RepositoryRoot.Combine("FunctionApp.Tests", "Infra", "HookStandIns", standIn), copy);
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        PublicNetworkAccess = vnetEnabled ? "Disabled" : "Enabled";
        File.WriteAllText(CallsFile, "");
        Environment = new Dictionary<string, string?>
        {
            ["PATH"] = bin + Path.PathSeparator + System.Environment.GetEnvironmentVariable("PATH"),
            ["STANDIN_STATE"] = root,
            ["AZURE_RESOURCE_GROUP"] = "rg-dev",
            ["AZURE_SQL_SERVER_NAME"] = "sql-abc",
            ["AZURE_SQL_SERVER_FQDN"] = "sql-abc.database.windows.net",
            ["AZURE_SQL_DATABASE_NAME"] = "AzureSqlFunctions",
            ["AZURE_VNET_ENABLED"] = vnetEnabled ? "true" : "false",
            ["AZURE_FUNCTION_IDENTITY_NAME"] = "id-func-abc",
            ["AZURE_FUNCTION_IDENTITY_PRINCIPAL_ID"] = PrincipalId,
            ["AZURE_FUNCTION_IDENTITY_CLIENT_ID"] = ClientId,
            ["AZURE_CLIENT_IP_ADDRESS"] = ClientIp,
        };
    }

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    /// <summary>Variables the hook gets; null removes one.</summary>
    public Dictionary<string, string?> Environment { get; }

    public string PublicNetworkAccess
    {
        get => File.ReadAllText(Path.Combine(root, "public")).Trim();
        set => File.WriteAllText(Path.Combine(root, "public"), value + "\n");
    }

    /// <summary>Firewall rules now on the server, by name, with their "start-end" addresses.</summary>
    public IReadOnlyDictionary<string, string> FirewallRules =>
        Directory.EnumerateFiles(RulesDirectory).ToDictionary(path => Path.GetFileName(path), File.ReadAllText);

    /// <summary>Every az and dotnet call, in order, and what the network looked like during the deploy.</summary>
    public IReadOnlyList<string> Calls => File.ReadAllLines(CallsFile);

    /// <summary>The az calls that changed the server's network, shortened to what they did.</summary>
    public IReadOnlyList<string> NetworkChanges => [.. Calls.Select(Describe).OfType<string>()];

    private string RulesDirectory => Path.Combine(root, "rules");

    private string CallsFile => Path.Combine(root, "calls");

    public void AddFirewallRule(string name, string address) => File.WriteAllText(Path.Combine(RulesDirectory, name), $"{address}-{address}");

    /// <summary>Makes `az sql server update --enable-public-network true` report success without an effect, as a policy does.</summary>
    public void PolicyKeepsPublicAccessDisabled() => File.WriteAllText(Path.Combine(root, "policy-keeps-disabled"), "");

    public Task<Result> RunAsync() => RunAsync(signal: null);

    /// <summary>Runs the hook; with <paramref name="signal"/> (TERM, INT), sends it to the hook once the deploy is running.</summary>
    public async Task<Result> RunAsync(string? signal)
    {
        var startInfo = new ProcessStartInfo(RepositoryRoot.Combine("infra", "hooks", "postprovision.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var inherited in startInfo.Environment.Keys.Where(key => key.StartsWith("AZURE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(inherited);
        }

        foreach (var (name, value) in Environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(name);
            }
            else
            {
                startInfo.Environment[name] = value;
            }
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start the hook.");
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            if (signal is not null)
            {
                await SignalWhenDeployRunsAsync(process, signal, timeout.Token);
            }

            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The hook did not finish within {RunTimeout}. Calls:\n{string.Join('\n', Calls)}");
        }

        return new Result(process.ExitCode, await standardOutput, await standardError);
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private async Task SignalWhenDeployRunsAsync(Process hook, string signal, CancellationToken cancellationToken)
    {
        var marker = Path.Combine(root, "deploy-running");
        while (!File.Exists(marker))
        {
            if (hook.HasExited)
            {
                throw new InvalidOperationException($"The hook ended before its deploy ran. Calls:\n{string.Join('\n', Calls)}");
            }

            await Task.Delay(20, cancellationToken);
        }

        using var kill = Process.Start("kill", ["-" + signal, hook.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync(cancellationToken);
    }

    private static string? Describe(string call) => call switch
    {
        _ when call.StartsWith("az sql server update", StringComparison.Ordinal) && call.Contains("--enable-public-network true", StringComparison.Ordinal) => "enable public access",
        _ when call.StartsWith("az sql server update", StringComparison.Ordinal) && call.Contains("--enable-public-network false", StringComparison.Ordinal) => "disable public access",
        _ when call.StartsWith("az sql server firewall-rule create", StringComparison.Ordinal) => "create rule",
        _ when call.StartsWith("az sql server firewall-rule delete", StringComparison.Ordinal) => "delete rule",
        _ when call.StartsWith("dotnet run ", StringComparison.Ordinal) => "deploy",
        _ => null,
    };
}
