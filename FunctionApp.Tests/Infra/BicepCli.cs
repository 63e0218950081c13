using System.Diagnostics;
using System.Reflection;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>
/// Runs the Bicep CLI that the Azure.Bicep.CommandLine package brings (path baked into the test
/// assembly at build time). Offline by construction: the templates reference no registry modules.
/// </summary>
internal static class BicepCli
{
    // Generous for a loaded CI machine; a hung CLI must fail the test, never stall the run.
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string> ExecutablePath = new(LocateExecutable);

    public sealed record Result(int ExitCode, string StandardOutput, string StandardError);

    public static Task<Result> RunAsync(params string[] arguments) =>
        RunAsync(new Dictionary<string, string>(), arguments);

    /// <summary>
    /// Runs the CLI with <paramref name="environment"/> as the only AZURE_* variables it sees (as azd passes its
    /// environment's values to <c>bicep build-params</c>); any AZURE_* of the test process is left out.
    /// </summary>
    public static async Task<Result> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var startInfo = new ProcessStartInfo(ExecutablePath.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var inherited in startInfo.Environment.Keys.Where(key => key.StartsWith("AZURE_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            startInfo.Environment.Remove(inherited);
        }

        foreach (var (name, value) in environment)
        {
            startInfo.Environment[name] = value;
        }

        // The CLI is a .NET single-file app: don't let a machine without ICU break it.
        startInfo.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not start {startInfo.FileName}.");
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        var standardError = process.StandardError.ReadToEndAsync();

        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {RunTimeout}.");
        }

        return new Result(process.ExitCode, await standardOutput, await standardError);
    }

    private static string LocateExecutable()
    {
        var path = typeof(BicepCli).Assembly
            .GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == "BicepPath")?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException(
                $"Bicep CLI not found at '{path}'; FunctionApp.Tests references Azure.Bicep.CommandLine.linux-x64 for it.");
        }

        return EnsureExecutable(path);
    }

    // NuGet extraction does not always keep the executable bit. Set it in place when the package
    // folder allows; otherwise run a private copy.
    private static string EnsureExecutable(string path)
    {
        if (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0)
        {
            return path;
        }

        try
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute);
            return path;
        }
        catch (Exception exception) when (exception is UnauthorizedAccessException or IOException)
        {
            var copy = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bicep-{Environment.ProcessId}", "bicep");
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(copy)!);
            File.Copy(path, copy, overwrite: true);
            File.SetUnixFileMode(copy, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return copy;
        }
    }
}
