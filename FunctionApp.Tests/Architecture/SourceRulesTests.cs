using System.Text.RegularExpressions;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Architecture;

/// <summary>
/// Rules the design depends on, checked on the committed sources and the built app: no connection ever gets its
/// token through the AccessToken property (which would make a connection pool per token), and every function class
/// is public, so the Worker SDK's generated executor calls it directly (a non-public one falls back to a reflection
/// executor that wraps every exception in AggregateException).
/// </summary>
public sealed partial class SourceRulesTests
{
    [Test]
    public void Every_function_class_is_public()
    {
        var functionClasses = typeof(AzureSqlFunctions.Todos.TodoFunctions).Assembly.GetTypes()
            .Where(type => type.GetMethods(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Static)
                .Any(method => method.GetCustomAttributes(typeof(Microsoft.Azure.Functions.Worker.FunctionAttribute), false).Length > 0))
            .ToList();

        Assert.That(functionClasses, Has.Count.GreaterThanOrEqualTo(3));
        Assert.That(functionClasses.Where(type => !type.IsPublic).Select(type => type.FullName), Is.Empty);
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

        Assert.That(app, Does.Contain("Sql/SqlAccessTokenCallback.cs").And.Contain("Middleware/UnitOfWorkMiddleware.cs"));
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

    [GeneratedRegex(@"\bAccessToken\s*=(?!=)")]
    private static partial Regex AccessTokenAssignment();
}
