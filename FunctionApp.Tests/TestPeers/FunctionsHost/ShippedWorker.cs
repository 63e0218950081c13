using System.Reflection;
using AzureSqlFunctions.TestPeers.FunctionsHost;

namespace AzureSqlFunctions.Tests.TestPeers.FunctionsHost;

/// <summary>
/// The app's worker assembly as the solution built it (FunctionApp/bin/&lt;Configuration&gt;/net10.0), named by
/// FunctionApp.Tests.csproj. A missing worker fails the test: the solution always builds it.
/// </summary>
internal static class ShippedWorker
{
    public static string Path
    {
        get
        {
            var path = typeof(ShippedWorker).Assembly
                .GetCustomAttributes<AssemblyMetadataAttribute>()
                .Single(attribute => attribute.Key == "ShippedWorkerPath").Value!;
            var full = System.IO.Path.GetFullPath(path);
            if (!File.Exists(full) || !File.Exists(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, "worker.config.json")))
            {
                Assert.Fail($"The worker is not built at {full} (FunctionApp is built with the tests).");
            }

            return full;
        }
    }

    /// <summary>
    /// Waits until the worker has said how its start-up login ended (logged in, failed, or not started), so a test
    /// begins with the worker settled: the start-up session in the pool, or nothing left running.
    /// </summary>
    public static Task<WorkerLog> StartupLoginReportedAsync(FunctionsHostPeer host)
    {
        ArgumentNullException.ThrowIfNull(host);
        return host.WaitForLogAsync(log => log.Category == typeof(AzureSqlFunctions.Sql.SqlStartupLogin).FullName, TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Options for the shipped worker with these app settings (a null value removes an inherited variable), after the
    /// Auth__ settings that make it trust the tests' shared sign-in (ApiSignIn.Shared; a test's own settings win).
    /// </summary>
    public static FunctionsHostOptions Options(params (string Key, string? Value)[] settings)
    {
        var options = new FunctionsHostOptions { WorkerPath = Path };
        foreach (var (key, value) in AzureSqlFunctions.Testing.ApiSignIn.Shared.Settings.Concat(settings))
        {
            options.AppSettings[key] = value;
        }

        return options;
    }
}
