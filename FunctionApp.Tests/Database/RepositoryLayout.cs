using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Database;

/// <summary>Finds the repository's files from the test output, so tests read the schema as committed, not a stale copy.</summary>
internal static class RepositoryLayout
{
    private const string SolutionFileName = "AzureSqlFunctions.sln";

    public static string Root { get; } = FindRoot();

    public static string SchemaDirectory => Path.Combine(Root, "Database", "Schema");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFileName)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No {SolutionFileName} above {TestContext.CurrentContext.TestDirectory}.");
    }
}
