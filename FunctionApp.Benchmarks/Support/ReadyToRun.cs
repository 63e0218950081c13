using System.Reflection;
using System.Reflection.PortableExecutable;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>Which build a measurement ran: ReadyToRun code (a published build) or IL the JIT compiles (dotnet build/run).</summary>
internal static class ReadyToRun
{
    /// <summary>Whether the assembly's file carries ReadyToRun code: crossgen fills the CLI header's managed native header.</summary>
    public static bool IsCompiled(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        using var file = File.OpenRead(assembly.Location);
        using var image = new PEReader(file);
        return image.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>"ReadyToRun" or "JIT", for a detail line.</summary>
    public static string Describe(Assembly assembly) => IsCompiled(assembly) ? "ReadyToRun" : "JIT";
}
