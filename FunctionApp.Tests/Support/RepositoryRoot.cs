using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Support;

/// <summary>The checkout the tests run from: the folder holding AzureSqlFunctions.sln.</summary>
internal static class RepositoryRoot
{
    private const string SolutionFileName = "AzureSqlFunctions.sln";

    public static string Path { get; } = Find(TestContext.CurrentContext.TestDirectory);

    public static string Combine(params string[] relativeParts) =>
        System.IO.Path.Combine([Path, .. relativeParts]);

    private static string Find(string startDirectory)
    {
        for (var directory = new DirectoryInfo(startDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(directory.FullName, SolutionFileName)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No {SolutionFileName} above {startDirectory}.");
    }
}
