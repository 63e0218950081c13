namespace AzureSqlFunctions.Sql;

/// <summary>
/// The validated <c>Sql</c> configuration section. Built only by <see cref="SqlSettingsReader"/>, so holding one
/// means the connection string carries no credential and every value has been checked.
/// </summary>
internal sealed record SqlSettings
{
    public const string SectionName = "Sql";

    /// <summary>Server, database, encryption and pool options; never a credential.</summary>
    public required string ConnectionString { get; init; }

    public required SqlCredentialKind Credential { get; init; }

    /// <summary>Client id of a user-assigned managed identity; null for system-assigned.</summary>
    public string? ManagedIdentityClientId { get; init; }

    /// <summary>Attempts the retry provider makes to open a connection after the first one fails transiently.</summary>
    public int OpenRetries { get; init; } = SqlSettingsReader.DefaultOpenRetries;

    /// <summary>First delay of the exponential back-off between open attempts.</summary>
    public TimeSpan OpenRetryDelay { get; init; } = SqlSettingsReader.DefaultOpenRetryDelay;

    /// <summary>Upper bound on the whole open, retries included: past it the open is abandoned.</summary>
    public TimeSpan OpenTimeout { get; init; } = SqlSettingsReader.DefaultOpenTimeout;

    /// <summary>The data source and database, for logs: never the whole string.</summary>
    public required string Target { get; init; }
}
