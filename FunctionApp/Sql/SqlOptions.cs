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

    /// <summary>First delay of the exponential back-off between open attempts.</summary>
    public TimeSpan OpenRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Upper bound on the whole open, retries included: past it the open is abandoned.</summary>
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Only for local test servers: allows <c>Encrypt=False</c> or <c>TrustServerCertificate=True</c>.</summary>
    public bool AllowInsecureTransport { get; set; }

    /// <summary>The credential to use, after the Azure-or-laptop default was applied.</summary>
    internal SqlCredentialKind CredentialKind => Credential ?? SqlCredentialKind.AzureCli;

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
