using System.Globalization;
using BenchmarkDotNet.Environments;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>The environment line every run prints: what it ran on, and how busy the machine was.</summary>
internal static class Machine
{
    /// <summary>The 1-minute load average (Linux); null elsewhere.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    public static string Describe(double? loadBefore, double? loadAfter)
    {
        // BenchmarkDotNet's own description: its version and the OS, the CPU, the SDK.
        var lines = HostEnvironmentInfo.GetCurrent().ToFormattedString().Take(3).Select(line => line.Trim());
        var load = loadBefore is null ? "load average n/a" : $"1-minute load average {loadBefore:F2} at start, {loadAfter:F2} at end";
        return $"{string.Join("; ", lines)}; {Environment.ProcessorCount} logical cores, .NET {Environment.Version}; {load}";
    }
}
