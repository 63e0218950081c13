using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>The <c>Sql__…</c> settings as the app binds and validates them at startup (Program.cs's own check).</summary>
public sealed class SqlOptionsTests
{
    private const string Valid = StartupSettings.ValidConnectionString;

    [Test]
    public async Task A_valid_connection_string_is_kept_and_the_target_names_server_and_database()
    {
        var options = await Bound(("Sql__ConnectionString", Valid), ("Sql__Credential", "ManagedIdentity"));

        Assert.Multiple(() =>
        {
            Assert.That(options.ConnectionString, Does.Contain("contoso.database.windows.net"));
            Assert.That(options.CredentialKind, Is.EqualTo(SqlCredentialKind.ManagedIdentity));
            Assert.That(options.Target, Is.EqualTo("tcp:contoso.database.windows.net,1433/appdb"));
            Assert.That(options.OpenRetries, Is.EqualTo(4));
            Assert.That(options.OpenRetryDelay, Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(options.OpenTimeout, Is.EqualTo(TimeSpan.FromMinutes(1)));
            Assert.That(options.LoginAtStartup, Is.True);
        });
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void A_missing_connection_string_names_the_setting(string? value)
    {
        var ex = StartupSettings.Rejects(("Sql__ConnectionString", value));
        Assert.That(ex.Message, Does.StartWith("Sql__ConnectionString: is missing"));
    }

    [TestCase("Server=x;Database=y;Frobnicate=1", "Frobnicate")]
    [TestCase("Server=x;Database=y;Password='hunter2", "hunter2")]
    [TestCase("Server=x;Database=y;w0rd", "w0rd")]
    [TestCase("Server=x;Database=y;Password=\"s3cr3t", "s3cr3t")]
    [TestCase("Server=x;Database=y;Connect Timeout=s3cr3t", "s3cr3t")]
    [TestCase("Server=x;Database=y;Encrypt=s3cr3t", "s3cr3t")]
    [TestCase("Server=x;Database=y;Pwd=a;b=s3cr3t;=c", "s3cr3t")]
    [TestCase("Server=x;Database=y;Max Pool Size=s3cr3t", "s3cr3t")]
    public void An_unparseable_connection_string_names_the_setting_and_echoes_none_of_it(string value, string fragment)
    {
        var ex = StartupSettings.Rejects(("Sql__ConnectionString", value));
        Assert.That(ex.Message, Does.StartWith("Sql__ConnectionString: is not a valid SQL connection string"));
        Assert.That(ex.Message, Does.Not.Contain(fragment), "no part of the string (it may hold a secret) is echoed");
    }

    [TestCase("User ID=app", "User ID")]
    [TestCase("Password=hunter2", "Password")]
    [TestCase("Authentication=Active Directory Default", "Authentication")]
    [TestCase("Integrated Security=true", "Integrated Security")]
    public void A_credential_in_the_connection_string_is_rejected_at_startup(string keyword, string named)
    {
        var ex = StartupSettings.Rejects(("Sql__ConnectionString", Valid + ";" + keyword));
        Assert.That(ex.Message, Does.StartWith("Sql__ConnectionString: must not carry a credential").And.Contain(named));
        Assert.That(ex.Message, Does.Not.Contain("hunter2"), "the rejected secret is never echoed");
    }

    [Test]
    public void A_connection_string_without_a_database_is_rejected()
    {
        var ex = StartupSettings.Rejects(("Sql__ConnectionString", "Server=tcp:contoso.database.windows.net,1433;Encrypt=True"));
        Assert.That(ex.Message, Does.Contain("names no database"));
    }

    [Test]
    public void A_connection_string_without_a_server_is_rejected()
    {
        var ex = StartupSettings.Rejects(("Sql__ConnectionString", "Database=appdb;Encrypt=True"));
        Assert.That(ex.Message, Does.Contain("names no server"));
    }

    [TestCase("Encrypt=False", "turns encryption off")]
    [TestCase("Encrypt=Optional", "turns encryption off")]
    [TestCase("Encrypt=True;TrustServerCertificate=True", "skips server certificate validation")]
    public async Task Unvalidated_transport_is_rejected_unless_explicitly_allowed(string option, string problem)
    {
        var cs = "Server=tcp:contoso.database.windows.net,1433;Database=appdb;" + option;

        var ex = StartupSettings.Rejects(("Sql__ConnectionString", cs));
        Assert.That(ex.Message, Does.Contain(problem).And.Contain("Sql__AllowInsecureTransport"));

        Assert.That((await Bound(("Sql__ConnectionString", cs), ("Sql__AllowInsecureTransport", "true"))).ConnectionString, Is.Not.Empty);
    }

    [Test]
    public async Task Strict_encryption_is_accepted()
    {
        var options = await Bound(("Sql__ConnectionString", "Server=tcp:contoso.database.windows.net,1433;Database=appdb;Encrypt=Strict"));
        Assert.That(options.ConnectionString, Does.Contain("Strict"));
    }

    [TestCase("managedidentity", SqlCredentialKind.ManagedIdentity)]
    [TestCase("AzureCli", SqlCredentialKind.AzureCli)]
    [TestCase("WorkloadIdentity", SqlCredentialKind.WorkloadIdentity)]
    [TestCase("Environment", SqlCredentialKind.Environment)]
    [TestCase("Default", SqlCredentialKind.Default)]
    public async Task Every_credential_kind_is_read(string value, SqlCredentialKind expected)
    {
        Assert.That((await Bound(("Sql__Credential", value))).CredentialKind, Is.EqualTo(expected));
    }

    [TestCase("Password")]
    [TestCase("2")]
    [TestCase("Azure CLI")]
    public void An_unknown_credential_names_the_setting_and_the_choices(string value)
    {
        var ex = StartupSettings.Rejects(("Sql__Credential", value));
        Assert.That(ex.Message, Does.StartWith("Sql__Credential: "));
        Assert.That(ex.Message, Does.Contain("ManagedIdentity, AzureCli, WorkloadIdentity, Environment, Default"));
    }

    [Test]
    public async Task The_default_credential_is_managed_identity_in_Azure_and_the_Azure_CLI_elsewhere()
    {
        var inAzure = await Bound(("Sql__Credential", null), ("WEBSITE_INSTANCE_ID", "abc123"));
        var onALaptop = await Bound(("Sql__Credential", null));

        Assert.That(inAzure.CredentialKind, Is.EqualTo(SqlCredentialKind.ManagedIdentity));
        Assert.That(onALaptop.CredentialKind, Is.EqualTo(SqlCredentialKind.AzureCli));
    }

    [Test]
    public async Task A_user_assigned_client_id_must_be_a_guid()
    {
        var ex = StartupSettings.Rejects(("Sql__ManagedIdentityClientId", "my-identity"));
        Assert.That(ex.Message, Does.StartWith("Sql__ManagedIdentityClientId: "));

        var clientId = Guid.NewGuid().ToString();
        Assert.That((await Bound(("Sql__ManagedIdentityClientId", clientId))).ManagedIdentityClientId, Is.EqualTo(clientId));
    }

    [Test]
    public void A_client_id_with_a_credential_that_ignores_it_is_rejected()
    {
        var ex = StartupSettings.Rejects(("Sql__Credential", "AzureCli"), ("Sql__ManagedIdentityClientId", Guid.NewGuid().ToString()));
        Assert.That(ex.Message, Does.Contain("Sql__ManagedIdentityClientId").And.Contain("AzureCli"));
    }

    [TestCase("Sql__OpenRetries", "eleven")]
    [TestCase("Sql__OpenRetries", "11")]
    [TestCase("Sql__OpenRetries", "-1")]
    [TestCase("Sql__OpenRetryDelay", "soon")]
    [TestCase("Sql__OpenTimeout", "00:00:00")]
    [TestCase("Sql__OpenTimeout", "01:00:00")]
    [TestCase("Sql__AllowInsecureTransport", "yes")]
    [TestCase("Sql__LoginAtStartup", "yes")]
    [TestCase("Sql__TokenRequestTimeout", "00:00:00")]
    [TestCase("Sql__TokenRequestTimeout", "00:10:00")]
    [TestCase("Sql__TokenRequestTimeout", "a while")]
    [TestCase("Sql__AllowedTokenResources", "http://database.windows.net/")]
    [TestCase("Sql__AllowedTokenResources", "storage")]
    [TestCase("Sql__AllowedTokenResources", "https://database.windows.net/x")]
    public void Out_of_range_or_mistyped_tuning_values_name_their_setting(string setting, string value)
    {
        var ex = StartupSettings.Rejects((setting, value));
        Assert.That(ex.Message, Does.StartWith(setting + ": ").And.Contain(value));
    }

    [Test]
    public void Several_bad_settings_are_reported_together()
    {
        var ex = StartupSettings.Rejects(("Sql__OpenRetries", "11"), ("Sql__OpenTimeout", "01:00:00"));
        Assert.That(ex.Message, Does.Contain("Sql__OpenRetries: ").And.Contain("Sql__OpenTimeout: "));
    }

    [Test]
    public async Task Tuning_values_are_read()
    {
        var options = await Bound(("Sql__OpenRetries", "2"), ("Sql__OpenRetryDelay", "00:00:00.250"), ("Sql__OpenTimeout", "00:00:20"));

        Assert.That(options.OpenRetries, Is.EqualTo(2));
        Assert.That(options.OpenRetryDelay, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(options.OpenTimeout, Is.EqualTo(TimeSpan.FromSeconds(20)));
    }

    [Test]
    public async Task Token_settings_default_to_a_bounded_request_and_the_Azure_SQL_resources()
    {
        var defaults = await Bound();
        var set = await Bound(("Sql__TokenRequestTimeout", "00:00:07"), ("Sql__AllowedTokenResources", "https://database.windows.net/, https://sql.contoso.test/"));

        Assert.That(defaults.TokenRequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(15)));
        Assert.That(defaults.AllowedTokenResourceList, Is.EqualTo(new[] { "https://database.windows.net/", "https://database.usgovcloudapi.net/", "https://database.chinacloudapi.cn/" }));
        Assert.That(set.TokenRequestTimeout, Is.EqualTo(TimeSpan.FromSeconds(7)));
        Assert.That(set.AllowedTokenResourceList, Is.EqualTo(new[] { "https://database.windows.net/", "https://sql.contoso.test/" }));
    }

    private static async Task<SqlOptions> Bound(params (string Key, string? Value)[] settings)
    {
        await using var app = StartupSettings.Accepts(settings);
        return app.Services.GetRequiredService<IOptions<SqlOptions>>().Value;
    }
}
