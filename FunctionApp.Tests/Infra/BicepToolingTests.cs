using System.Text.RegularExpressions;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.Infra;

/// <summary>The Bicep and its parameters file compile and lint clean, so `azd provision` never meets a template error first.</summary>
[TestFixture]
public sealed partial class BicepToolingTests
{
    [Test]
    public async Task Build_of_main_bicep_exits_zero_without_diagnostics()
    {
        var result = await MainTemplate.BuildAsync();

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(result.StandardError.Trim(), Is.Empty, "bicep build reported diagnostics");
            Assert.That(result.StandardOutput, Does.Contain("\"$schema\""), "no ARM template on stdout");
        });
    }

    [Test]
    public async Task Lint_of_main_bicep_and_its_modules_reports_no_warning_or_error()
    {
        var result = await BicepCli.RunAsync("lint", MainTemplate.RelativePath);

        var diagnostics = Diagnostic().Matches(result.StandardOutput + result.StandardError)
            .Select(match => match.Value)
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.StandardError);
            Assert.That(diagnostics, Is.Empty);
        });
    }

    [Test]
    public async Task Parameters_file_builds_and_lints_without_diagnostics_for_an_azd_environment()
    {
        var build = await MainParameters.BuildAsync();
        var lint = await BicepCli.RunAsync(MainParameters.Required, "lint", MainParameters.RelativePath);

        var diagnostics = Diagnostic().Matches(build.StandardError + lint.StandardOutput + lint.StandardError)
            .Select(match => match.Value)
            .ToList();
        Assert.Multiple(() =>
        {
            Assert.That(build.ExitCode, Is.Zero, build.StandardError);
            Assert.That(lint.ExitCode, Is.Zero, lint.StandardError);
            Assert.That(diagnostics, Is.Empty);
        });
    }

    // "<file>(line,col) : Warning rule-id: message" / "... : Error BCPxxx: ..."
    [GeneratedRegex(@"^.*\(\d+,\d+\) : (Warning|Error) .*$", RegexOptions.Multiline)]
    private static partial Regex Diagnostic();
}
