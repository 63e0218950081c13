using System.Globalization;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Configuration;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// Reads and validates the <c>Sql</c> section at startup. Every problem is reported as a
/// <see cref="AppSettingException"/> naming the app setting, so a bad deployment fails fast and says why.
/// </summary>
internal static class SqlSettingsReader
{
    public const int DefaultOpenRetries = 4;
    public static readonly TimeSpan DefaultOpenRetryDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultOpenTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Set by App Service / Functions on every instance in Azure, absent under Core Tools.</summary>
    internal const string RunningInAzureVariable = "WEBSITE_INSTANCE_ID";

    private const string ConnectionStringSetting = "Sql__ConnectionString";
    private const string CredentialSetting = "Sql__Credential";
    private const string ClientIdSetting = "Sql__ManagedIdentityClientId";
    private const string InsecureSetting = "Sql__AllowInsecureTransport";

    /// <param name="configuration">The app configuration (the <c>Sql</c> section is read from it).</param>
    /// <param name="environmentVariable">Environment lookup, for the "running in Azure" default.</param>
    public static SqlSettings Read(IConfiguration configuration, Func<string, string?>? environmentVariable = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        environmentVariable ??= Environment.GetEnvironmentVariable;
        var section = configuration.GetSection(SqlSettings.SectionName);

        var allowInsecure = ReadBool(section, "AllowInsecureTransport", InsecureSetting);
        var builder = ReadConnectionString(section["ConnectionString"], allowInsecure);
        var credential = ReadCredential(section["Credential"], environmentVariable);
        var clientId = ReadClientId(section["ManagedIdentityClientId"], credential);

        var openRetries = ReadInt(section, "OpenRetries", "Sql__OpenRetries", DefaultOpenRetries, min: 0, max: 10);
        var retryDelay = ReadTimeSpan(section, "OpenRetryDelay", "Sql__OpenRetryDelay", DefaultOpenRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(30));
        var openTimeout = ReadTimeSpan(section, "OpenTimeout", "Sql__OpenTimeout", DefaultOpenTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

        return new SqlSettings
        {
            ConnectionString = builder.ConnectionString,
            Credential = credential,
            ManagedIdentityClientId = clientId,
            OpenRetries = openRetries,
            OpenRetryDelay = retryDelay,
            OpenTimeout = openTimeout,
            Target = $"{builder.DataSource}/{builder.InitialCatalog}",
        };
    }

    private static SqlConnectionStringBuilder ReadConnectionString(string? value, bool allowInsecure)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new AppSettingException(ConnectionStringSetting, "is missing. Set it to the server and database, e.g. \"Server=tcp:<server>.database.windows.net,1433;Database=<db>;Encrypt=True\".");
        }

        SqlConnectionStringBuilder builder;
        try
        {
            builder = new SqlConnectionStringBuilder(value);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // The message names the bad keyword; the value itself is not echoed back.
            throw new AppSettingException(ConnectionStringSetting, $"is not a valid SQL connection string ({ex.Message})");
        }

        // Tokens are the only credential: a password or another auth mode here would bypass them.
        var carried = new List<string>();
        if (!string.IsNullOrEmpty(builder.UserID))
        {
            carried.Add("User ID");
        }

        if (!string.IsNullOrEmpty(builder.Password))
        {
            carried.Add("Password");
        }

        if (builder.Authentication != SqlAuthenticationMethod.NotSpecified)
        {
            carried.Add("Authentication");
        }

        if (builder.IntegratedSecurity)
        {
            carried.Add("Integrated Security");
        }

        if (carried.Count > 0)
        {
            throw new AppSettingException(ConnectionStringSetting, $"must not carry a credential, but it sets {string.Join(", ", carried)}. The app signs in with Entra tokens from {CredentialSetting}; remove those keywords.");
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            throw new AppSettingException(ConnectionStringSetting, "names no server (Server=tcp:<server>.database.windows.net,1433).");
        }

        if (string.IsNullOrWhiteSpace(builder.InitialCatalog))
        {
            throw new AppSettingException(ConnectionStringSetting, "names no database (Database=<name>).");
        }

        if (!allowInsecure)
        {
            if (builder.Encrypt == SqlConnectionEncryptOption.Optional)
            {
                throw new AppSettingException(ConnectionStringSetting, $"turns encryption off (Encrypt=False/Optional). Use Encrypt=True or Strict, or set {InsecureSetting}=true for a local test server only.");
            }

            if (builder.TrustServerCertificate)
            {
                throw new AppSettingException(ConnectionStringSetting, $"skips server certificate validation (TrustServerCertificate=True). Remove it, or set {InsecureSetting}=true for a local test server only.");
            }
        }

        return builder;
    }

    private static SqlCredentialKind ReadCredential(string? value, Func<string, string?> environmentVariable)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            // Documented default: managed identity on Azure, the developer's az login elsewhere.
            return string.IsNullOrEmpty(environmentVariable(RunningInAzureVariable))
                ? SqlCredentialKind.AzureCli
                : SqlCredentialKind.ManagedIdentity;
        }

        if (Enum.TryParse<SqlCredentialKind>(value.Trim(), ignoreCase: true, out var kind)
            && Enum.IsDefined(kind)
            && !int.TryParse(value, out _))
        {
            return kind;
        }

        throw new AppSettingException(CredentialSetting, $"'{value}' is not a known credential. Use one of: {string.Join(", ", Enum.GetNames<SqlCredentialKind>())}.");
    }

    private static string? ReadClientId(string? value, SqlCredentialKind credential)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!Guid.TryParse(value, out var clientId))
        {
            throw new AppSettingException(ClientIdSetting, "must be the client id (a GUID) of the user-assigned managed identity.");
        }

        if (credential is not (SqlCredentialKind.ManagedIdentity or SqlCredentialKind.Default or SqlCredentialKind.WorkloadIdentity))
        {
            throw new AppSettingException(ClientIdSetting, $"is set but {CredentialSetting} is {credential}, which does not use it.");
        }

        return clientId.ToString();
    }

    private static bool ReadBool(IConfigurationSection section, string key, string setting)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        return bool.TryParse(value, out var result)
            ? result
            : throw new AppSettingException(setting, $"'{value}' is not true or false.");
    }

    private static int ReadInt(IConfigurationSection section, string key, string setting, int fallback, int min, int max)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max
            ? result
            : throw new AppSettingException(setting, $"'{value}' must be a whole number from {min} to {max}.");
    }

    private static TimeSpan ReadTimeSpan(IConfigurationSection section, string key, string setting, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max
            ? result
            : throw new AppSettingException(setting, $"'{value}' must be a duration (hh:mm:ss) from {min} to {max}.");
    }
}
