using System.Text.Json;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>The settings a developer copies to FunctionApp/local.settings.json must pass the app's own validation.</summary>
public sealed class SampleSettingsTests
{
    private static readonly Dictionary<string, string?> Values = ReadSample();

    [Test]
    public async Task The_sample_settings_pass_the_apps_validation()
    {
        // Exactly the sample's values, through the app's own startup check (Program.cs's).
        await using var app = AppUnderTest.Start([.. Values.Select(v => (v.Key, v.Value))]);
        var settings = app.Services.GetRequiredService<IOptions<SqlOptions>>().Value;

        Assert.That(settings.CredentialKind, Is.EqualTo(SqlCredentialKind.AzureCli));
        Assert.That(settings.ConnectionString, Does.Contain("Encrypt=True"));
    }

    [Test]
    public void The_sample_is_for_the_isolated_worker_with_Azurite()
    {
        Assert.That(Values["FUNCTIONS_WORKER_RUNTIME"], Is.EqualTo("dotnet-isolated"));
        Assert.That(Values["AzureWebJobsStorage"], Is.EqualTo("UseDevelopmentStorage=true"));
    }

    [TestCase("Password")]
    [TestCase("Pwd=")]
    [TestCase("AccountKey")]
    [TestCase("SharedAccessKey")]
    [TestCase("User ID")]
    [TestCase("TrustServerCertificate=True")]
    public void The_sample_carries_no_secret(string marker)
    {
        Assert.That(Values.Values, Has.None.Contains(marker));
    }

    private static Dictionary<string, string?> ReadSample()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(RepositoryRoot.Combine("local.settings.sample.json")));
        return document.RootElement.GetProperty("Values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
    }
}
