using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The rules of the <c>Sql</c> section. Every failure names the app setting as it is written in app settings or
/// local.settings.json (<c>Sql__ConnectionString: …</c>), and never echoes the connection string.
/// </summary>
internal sealed class SqlOptionsValidator(IConfiguration configuration) : IValidateOptions<SqlOptions>
{
    private const string ConnectionStringSetting = "Sql__ConnectionString";
    private const string CredentialSetting = "Sql__Credential";
    private const string ClientIdSetting = "Sql__ManagedIdentityClientId";
    private const string InsecureSetting = "Sql__AllowInsecureTransport";

    public ValidateOptionsResult Validate(string? name, SqlOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (ConnectionStringProblem(options.ConnectionString, options.AllowInsecureTransport) is { } problem)
        {
            failures.Add($"{ConnectionStringSetting}: {problem}");
        }

        // By name only: the binder would also take "2" for the third credential, which nobody means.
        var credentialText = configuration[$"{SqlOptions.SectionName}:{nameof(SqlOptions.Credential)}"];
        if ((options.Credential is { } credential && !Enum.IsDefined(credential))
            || (!string.IsNullOrWhiteSpace(credentialText) && !Enum.GetNames<SqlCredentialKind>().Contains(credentialText.Trim(), StringComparer.OrdinalIgnoreCase)))
        {
            failures.Add($"{CredentialSetting}: '{credentialText}' is not a known credential. Use one of: {string.Join(", ", Enum.GetNames<SqlCredentialKind>())}.");
        }

        if (!string.IsNullOrWhiteSpace(options.ManagedIdentityClientId))
        {
            if (!Guid.TryParse(options.ManagedIdentityClientId, out _))
            {
                failures.Add($"{ClientIdSetting}: must be the client id (a GUID) of the user-assigned managed identity.");
            }
            else if (options.CredentialKind is not (SqlCredentialKind.ManagedIdentity or SqlCredentialKind.Default or SqlCredentialKind.WorkloadIdentity))
            {
                failures.Add($"{ClientIdSetting}: is set but {CredentialSetting} is {options.CredentialKind}, which does not use it.");
            }
        }

        SettingRules.Range(failures, "Sql__OpenRetries", options.OpenRetries, 0, 10);
        SettingRules.Range(failures, "Sql__OpenRetryDelay", options.OpenRetryDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(30));
        SettingRules.Range(failures, "Sql__OpenTimeout", options.OpenTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        SettingRules.Range(failures, "Sql__CommitTimeout", options.CommitTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        SettingRules.Range(failures, "Sql__TokenRequestTimeout", options.TokenRequestTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2));
        foreach (var resource in options.AllowedTokenResourceList)
        {
            if (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps || uri.PathAndQuery.Trim('/').Length > 0)
            {
                failures.Add($"Sql__AllowedTokenResources: '{resource}' must be an https resource URL such as {SqlOptions.DefaultTokenResources[0]} (comma-separated for several).");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? ConnectionStringProblem(string? value, bool allowInsecure)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is missing. Set it to the server and database, e.g. \"Server=tcp:<server>.database.windows.net,1433;Database=<db>;Encrypt=True\".";
        }

        SqlConnectionStringBuilder builder;
        try
        {
            builder = new SqlConnectionStringBuilder(value);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or KeyNotFoundException)
        {
            // SqlClient's message quotes the offending part of the string (it may be a password): never echo it.
            return "is not a valid SQL connection string: check its keywords and quoting (the value is not shown, it may hold a secret).";
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
            return $"must not carry a credential, but it sets {string.Join(", ", carried)}. The app signs in with Entra tokens from {CredentialSetting}; remove those keywords.";
        }

        if (string.IsNullOrWhiteSpace(builder.DataSource))
        {
            return "names no server (Server=tcp:<server>.database.windows.net,1433).";
        }

        if (string.IsNullOrWhiteSpace(builder.InitialCatalog))
        {
            return "names no database (Database=<name>).";
        }

        if (!allowInsecure && builder.Encrypt == SqlConnectionEncryptOption.Optional)
        {
            return $"turns encryption off (Encrypt=False/Optional). Use Encrypt=True or Strict, or set {InsecureSetting}=true for a local test server only.";
        }

        if (!allowInsecure && builder.TrustServerCertificate)
        {
            return $"skips server certificate validation (TrustServerCertificate=True). Remove it, or set {InsecureSetting}=true for a local test server only.";
        }

        return null;
    }
}
