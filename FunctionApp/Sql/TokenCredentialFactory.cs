using Azure.Core;
using Azure.Identity;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Sql;

/// <summary>Builds the one Azure.Identity credential the settings ask for, and says which at startup.</summary>
internal static partial class TokenCredentialFactory
{
    public static TokenCredential Create(SqlSettings settings, ILoggerFactory loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(loggerFactory);
        TokenCredential credential = settings.Credential switch
        {
            SqlCredentialKind.ManagedIdentity => new ManagedIdentityCredential(settings.ManagedIdentityClientId is { } clientId
                ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                : ManagedIdentityId.SystemAssigned),
            SqlCredentialKind.AzureCli => new AzureCliCredential(),
            SqlCredentialKind.WorkloadIdentity => new WorkloadIdentityCredential(new WorkloadIdentityCredentialOptions
            {
                ClientId = settings.ManagedIdentityClientId,
            }),
            SqlCredentialKind.Environment => new EnvironmentCredential(),
            // DefaultAzureCredential reads AZURE_TOKEN_CREDENTIALS itself ("prod", "dev" or one credential's name).
            SqlCredentialKind.Default => new DefaultAzureCredential(new DefaultAzureCredentialOptions
            {
                ManagedIdentityClientId = settings.ManagedIdentityClientId,
            }),
            _ => throw new SqlSettingsException("Sql__Credential", $"'{settings.Credential}' is not supported."),
        };

        var identity = settings.ManagedIdentityClientId is null ? "system-assigned or none" : "user-assigned " + settings.ManagedIdentityClientId;
        var credentialName = credential.GetType().Name;
        var logger = loggerFactory.CreateLogger(typeof(TokenCredentialFactory).FullName!);
        LogCredential(logger, credentialName, identity, settings.Target);
        return credential;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Azure SQL {Target}: access tokens from {Credential} (identity: {Identity})")]
    private static partial void LogCredential(ILogger logger, string credential, string identity, string target);
}
