using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The <c>Sql</c> section (app settings <c>Sql__…</c>), bound at startup and checked by
/// <see cref="SqlOptionsValidator"/>: once the app runs, the connection string carries no credential and every value
/// is in range.
/// </summary>
public sealed class SqlOptions
{
    public const string SectionName = "Sql";

    /// <summary>Set by App Service / Functions on every instance in Azure, absent under Core Tools.</summary>
    internal const string RunningInAzureVariable = "WEBSITE_INSTANCE_ID";

    /// <summary>Server, database, encryption and pool options; never a credential.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Which Azure.Identity credential gives the tokens. Unset: <see cref="SqlCredentialKind.ManagedIdentity"/> in Azure,
    /// <see cref="SqlCredentialKind.AzureCli"/> elsewhere (resolved when the options are built).
    /// </summary>
    public SqlCredentialKind? Credential { get; set; }

    /// <summary>Client id of a user-assigned managed identity; unset for system-assigned.</summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>Attempts the retry provider makes to open a connection after the first one fails transiently.</summary>
    public int OpenRetries { get; set; } = 4;

    /// <summary>
    /// The least wait before the first retry of an open; later ones double, up to a minute (Microsoft's guidance:
    /// at least 5 s first, exponential back-off to 60 s).
    /// </summary>
    public TimeSpan OpenRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Upper bound on the whole open, retries included: past it the open is abandoned.</summary>
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Upper bound on a COMMIT or ROLLBACK: past it the outcome is reported as unknown (SqlClient's own bound is the
    /// Connect Timeout, and it blocks a thread meanwhile).
    /// </summary>
    public TimeSpan CommitTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound on one credential request for an access token; a stuck request is abandoned after it.</summary>
    public TimeSpan TokenRequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The resources (audiences) the token callback gives tokens for, comma-separated; a server naming any other gets
    /// none. Unset: Azure SQL's public and sovereign-cloud database resources (<see cref="DefaultTokenResources"/>).
    /// </summary>
    public string? AllowedTokenResources { get; set; }

    /// <summary>Azure SQL's database resource in Azure public, US Government and China clouds.</summary>
    public static IReadOnlyList<string> DefaultTokenResources { get; } =
        ["https://database.windows.net/", "https://database.usgovcloudapi.net/", "https://database.chinacloudapi.cn/"];

    /// <summary>Only for local test servers: allows <c>Encrypt=False</c> or <c>TrustServerCertificate=True</c>.</summary>
    public bool AllowInsecureTransport { get; set; }

    /// <summary>
    /// Whether the worker logs in once while it starts (<see cref="SqlStartupLogin"/>), so the first invocation finds
    /// a pooled session and a cached token. Off: the first invocation that asks for SQL makes the first login (e.g. a
    /// serverless database that should stay paused until then).
    /// </summary>
    public bool LoginAtStartup { get; set; } = true;

    /// <summary>The documented default of <see cref="Credential"/>: managed identity in Azure, the developer's <c>az login</c> elsewhere.</summary>
    internal static void ApplyCredentialDefault(SqlOptions options, Microsoft.Extensions.Configuration.IConfiguration configuration) =>
        options.Credential ??= string.IsNullOrEmpty(configuration[RunningInAzureVariable])
            ? SqlCredentialKind.AzureCli
            : SqlCredentialKind.ManagedIdentity;

    /// <summary>The credential to use, after the Azure-or-laptop default was applied.</summary>
    internal SqlCredentialKind CredentialKind => Credential ?? SqlCredentialKind.AzureCli;

    /// <summary><see cref="AllowedTokenResources"/> as a list, or the defaults.</summary>
    internal IReadOnlyList<string> AllowedTokenResourceList =>
        string.IsNullOrWhiteSpace(AllowedTokenResources)
            ? DefaultTokenResources
            : AllowedTokenResources.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The connection string's Connect Timeout (SqlClient's default when unset or unparsable).</summary>
    internal TimeSpan ConnectTimeout
    {
        get
        {
            try
            {
                return TimeSpan.FromSeconds(new SqlConnectionStringBuilder(ConnectionString ?? string.Empty).ConnectTimeout);
            }
            catch (ArgumentException)
            {
                return TimeSpan.FromSeconds(new SqlConnectionStringBuilder().ConnectTimeout);
            }
        }
    }

    /// <summary>The data source and database, for logs: never the whole string.</summary>
    internal string Target
    {
        get
        {
            var builder = new SqlConnectionStringBuilder(ConnectionString);
            return $"{builder.DataSource}/{builder.InitialCatalog}";
        }
    }
}
