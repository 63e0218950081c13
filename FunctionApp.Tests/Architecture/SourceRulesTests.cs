using System.Text.RegularExpressions;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Architecture;

/// <summary>
/// Rules the design depends on, checked on the committed sources: the Worker stays in its shell (so everything
/// else builds and is tested on any feed), and no connection ever gets its token through the AccessToken property
/// (which would make a connection pool per token).
/// </summary>
public sealed partial class SourceRulesTests
{
    private static readonly string[] WorkerShell = ["Program.cs", "Middleware/", "Functions/"];

    [Test]
    public void Only_the_Worker_shell_uses_Microsoft_Azure_Functions()
    {
        var offenders = SourcesUnder("FunctionApp")
            .Where(file => !WorkerShell.Any(shell => file.Relative.StartsWith(shell, StringComparison.Ordinal)))
            .Where(file => file.Text.Contains("Microsoft.Azure.Functions", StringComparison.Ordinal))
            .Select(file => file.Relative)
            .ToList();

        Assert.That(offenders, Is.Empty);
    }

    [Test]
    public void Worker_bound_tests_live_only_in_the_Worker_folder()
    {
        var offenders = SourcesUnder("FunctionApp.Tests")
            .Where(file => !file.Relative.StartsWith("Worker/", StringComparison.Ordinal))
            .Where(file => WorkerUsing().IsMatch(file.Text))
            .Select(file => file.Relative)
            .ToList();

        Assert.That(offenders, Is.Empty);
    }

    [Test]
    public void The_app_never_sets_the_AccessToken_property()
    {
        var offenders = SourcesUnder("FunctionApp")
            .Where(file => AccessTokenAssignment().IsMatch(file.Text))
            .Select(file => file.Relative)
            .ToList();

        Assert.That(offenders, Is.Empty);
    }

    [Test]
    public void The_rules_see_the_sources_they_guard()
    {
        var app = SourcesUnder("FunctionApp").Select(f => f.Relative).ToList();

        Assert.That(app, Does.Contain("Sql/SqlAccessTokenCallback.cs").And.Contain("Middleware/SqlConnectionMiddleware.cs"));
        Assert.That(AccessTokenAssignment().IsMatch("var c = new SqlConnection(cs) { AccessToken = token };"), Is.True);
        Assert.That(AccessTokenAssignment().IsMatch("connection.AccessToken=token;"), Is.True);
        Assert.That(AccessTokenAssignment().IsMatch("AccessTokenCallback = SqlAccessTokenCallback.Instance,"), Is.False);
    }

    private static IEnumerable<(string Relative, string Text)> SourcesUnder(string project)
    {
        var root = RepositoryRoot.Combine(project);
        return Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(relative => !relative.StartsWith("bin/", StringComparison.Ordinal) && !relative.StartsWith("obj/", StringComparison.Ordinal))
            .Select(relative => (relative, File.ReadAllText(Path.Combine(root, relative))));
    }

    [GeneratedRegex(@"^\s*using\s+Microsoft\.Azure\.Functions", RegexOptions.Multiline)]
    private static partial Regex WorkerUsing();

    [GeneratedRegex(@"\bAccessToken\s*=(?!=)")]
    private static partial Regex AccessTokenAssignment();
}
