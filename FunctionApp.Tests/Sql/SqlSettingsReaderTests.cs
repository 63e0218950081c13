using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Tests.Support;

namespace AzureSqlFunctions.Tests.Sql;

public sealed class SqlSettingsReaderTests
{
    private const string Valid = "Server=tcp:contoso.database.windows.net,1433;Database=appdb;Encrypt=True";

    private static SqlSettings Read(string? connectionString, params (string Key, string? Value)[] more) =>
        SqlSettingsReader.Read(
            SettingsBuilder.FromAppSettings([("Sql__ConnectionString", connectionString), .. more]),
            _ => null);

    [Test]
    public void A_valid_connection_string_is_kept_and_the_target_names_server_and_database()
    {
        var settings = Read(Valid, ("Sql__Credential", "ManagedIdentity"));

        Assert.Multiple(() =>
        {
            Assert.That(settings.ConnectionString, Does.Contain("contoso.database.windows.net"));
            Assert.That(settings.Credential, Is.EqualTo(SqlCredentialKind.ManagedIdentity));
            Assert.That(settings.Target, Is.EqualTo("tcp:contoso.database.windows.net,1433/appdb"));
            Assert.That(settings.OpenRetries, Is.EqualTo(SqlSettingsReader.DefaultOpenRetries));
            Assert.That(settings.OpenTimeout, Is.EqualTo(SqlSettingsReader.DefaultOpenTimeout));
        });
    }

    [TestCase(null)]
    [TestCase("")]
    [TestCase("   ")]
    public void A_missing_connection_string_names_the_setting(string? value)
    {
        var ex = Assert.Throws<AppSettingException>(() => Read(value));
        Assert.That(ex!.Setting, Is.EqualTo("Sql__ConnectionString"));
        Assert.That(ex.Message, Does.Contain("Sql__ConnectionString").And.Contain("missing"));
    }

    [Test]
    public void An_unparseable_connection_string_names_the_setting()
    {
        var ex = Assert.Throws<AppSettingException>(() => Read("Server=x;Database=y;Frobnicate=1"));
        Assert.That(ex!.Setting, Is.EqualTo("Sql__ConnectionString"));
        Assert.That(ex.Message, Does.Contain("not a valid SQL connection string"));
    }

    [TestCase("User ID=app", "User ID")]
    [TestCase("Password=hunter2", "Password")]
    [TestCase("Authentication=Active Directory Default", "Authentication")]
    [TestCase("Integrated Security=true", "Integrated Security")]
    public void A_credential_in_the_connection_string_is_rejected_at_startup(string keyword, string named)
    {
        var ex = Assert.Throws<AppSettingException>(() => Read(Valid + ";" + keyword));
        Assert.That(ex!.Setting, Is.EqualTo("Sql__ConnectionString"));
        Assert.That(ex.Message, Does.Contain("must not carry a credential").And.Contain(named));
        Assert.That(ex.Message, Does.Not.Contain("hunter2"), "the rejected secret is never echoed");
    }

    [Test]
    public void A_connection_string_without_a_database_is_rejected()
    {
        var ex = Assert.Throws<AppSettingException>(() => Read("Server=tcp:contoso.database.windows.net,1433;Encrypt=True"));
        Assert.That(ex!.Message, Does.Contain("names no database"));
    }

    [Test]
    public void A_connection_string_without_a_server_is_rejected()
    {
        var ex = Assert.Throws<AppSettingException>(() => Read("Database=appdb;Encrypt=True"));
        Assert.That(ex!.Message, Does.Contain("names no server"));
    }

    [TestCase("Encrypt=False", "turns encryption off")]
    [TestCase("Encrypt=Optional", "turns encryption off")]
    [TestCase("Encrypt=True;TrustServerCertificate=True", "skips server certificate validation")]
    public void Unvalidated_transport_is_rejected_unless_explicitly_allowed(string option, string problem)
    {
        var cs = "Server=tcp:contoso.database.windows.net,1433;Database=appdb;" + option;

        var ex = Assert.Throws<AppSettingException>(() => Read(cs));
        Assert.That(ex!.Message, Does.Contain(problem).And.Contain("Sql__AllowInsecureTransport"));

        Assert.That(Read(cs, ("Sql__AllowInsecureTransport", "true")).ConnectionString, Is.Not.Empty);
    }

    [Test]
    public void Strict_encryption_is_accepted()
    {
        Assert.That(Read("Server=tcp:contoso.database.windows.net,1433;Database=appdb;Encrypt=Strict").ConnectionString, Does.Contain("Strict"));
    }

    [TestCase("managedidentity", "ManagedIdentity")]
    [TestCase("AzureCli", "AzureCli")]
    [TestCase("WorkloadIdentity", "WorkloadIdentity")]
    [TestCase("Environment", "Environment")]
    [TestCase("Default", "Default")]
    public void Every_credential_kind_is_read(string value, string expected)
    {
        Assert.That(Read(Valid, ("Sql__Credential", value)).Credential.ToString(), Is.EqualTo(expected));
    }

    [TestCase("Password")]
    [TestCase("2")]
    [TestCase("Azure CLI")]
    public void An_unknown_credential_names_the_setting_and_the_choices(string value)
    {
        var ex = Assert.Throws<AppSettingException>(() => Read(Valid, ("Sql__Credential", value)));
        Assert.That(ex!.Setting, Is.EqualTo("Sql__Credential"));
        Assert.That(ex.Message, Does.Contain("ManagedIdentity, AzureCli, WorkloadIdentity, Environment, Default"));
    }

    [Test]
    public void The_default_credential_is_managed_identity_in_Azure_and_the_Azure_CLI_elsewhere()
    {
        var configuration = SettingsBuilder.FromAppSettings(("Sql__ConnectionString", Valid));

        var inAzure = SqlSettingsReader.Read(configuration, name => name == "WEBSITE_INSTANCE_ID" ? "abc123" : null);
        var onALaptop = SqlSettingsReader.Read(configuration, _ => null);

        Assert.That(inAzure.Credential, Is.EqualTo(SqlCredentialKind.ManagedIdentity));
        Assert.That(onALaptop.Credential, Is.EqualTo(SqlCredentialKind.AzureCli));
    }

    [Test]
    public void A_user_assigned_client_id_must_be_a_guid()
    {
        var ex = Assert.Throws<AppSettingException>(() => Read(Valid, ("Sql__Credential", "ManagedIdentity"), ("Sql__ManagedIdentityClientId", "my-identity")));
        Assert.That(ex!.Setting, Is.EqualTo("Sql__ManagedIdentityClientId"));

        var clientId = Guid.NewGuid().ToString();
        Assert.That(Read(Valid, ("Sql__Credential", "ManagedIdentity"), ("Sql__ManagedIdentityClientId", clientId)).ManagedIdentityClientId, Is.EqualTo(clientId));
    }

    [Test]
    public void A_client_id_with_a_credential_that_ignores_it_is_rejected()
    {
        var ex = Assert.Throws<AppSettingException>(() => Read(Valid, ("Sql__Credential", "AzureCli"), ("Sql__ManagedIdentityClientId", Guid.NewGuid().ToString())));
        Assert.That(ex!.Message, Does.Contain("Sql__ManagedIdentityClientId").And.Contain("AzureCli"));
    }

    [TestCase("Sql__OpenRetries", "eleven")]
    [TestCase("Sql__OpenRetries", "11")]
    [TestCase("Sql__OpenRetries", "-1")]
    [TestCase("Sql__OpenRetryDelay", "soon")]
    [TestCase("Sql__OpenTimeout", "00:00:00")]
    [TestCase("Sql__OpenTimeout", "01:00:00")]
    [TestCase("Sql__AllowInsecureTransport", "yes")]
    public void Out_of_range_tuning_values_name_their_setting(string setting, string value)
    {
        var ex = Assert.Throws<AppSettingException>(() => Read(Valid, (setting, value)));
        Assert.That(ex!.Setting, Is.EqualTo(setting));
        Assert.That(ex.Message, Does.StartWith("App setting " + setting + ":"));
    }

    [Test]
    public void Tuning_values_are_read()
    {
        var settings = Read(Valid, ("Sql__OpenRetries", "2"), ("Sql__OpenRetryDelay", "00:00:00.250"), ("Sql__OpenTimeout", "00:00:20"));

        Assert.That(settings.OpenRetries, Is.EqualTo(2));
        Assert.That(settings.OpenRetryDelay, Is.EqualTo(TimeSpan.FromMilliseconds(250)));
        Assert.That(settings.OpenTimeout, Is.EqualTo(TimeSpan.FromSeconds(20)));
    }
}
