using System.Reflection;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>The worker process as the solution built it beside the benchmarks (FunctionApp/bin/&lt;Configuration&gt;/net10.0).</summary>
internal static class ShippedWorker
{
    /// <summary>The worker's entry assembly, named by FunctionApp.Benchmarks.csproj; throws if it is not built there.</summary>
    public static string Path => Locate("ShippedWorkerPath");

    /// <summary>
    /// Target 11's baseline: the template worker with one plain SQL function (FunctionApp.Benchmarks.BareWorker),
    /// built with the benchmarks in the same configuration.
    /// </summary>
    public static string BarePath => Locate("BareWorkerPath");

    /// <summary>"Release" or "Debug": which build of the worker <see cref="Path"/> names.</summary>
    public static string Build =>
        Path.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static string Locate(string key)
    {
        var path = System.IO.Path.GetFullPath(typeof(ShippedWorker).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == key).Value!);
        return File.Exists(path) && File.Exists(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(path)!, "worker.config.json"))
            ? path
            : throw new FileNotFoundException($"The worker is not built at {path} (it builds with the benchmarks).", path);
    }
}
