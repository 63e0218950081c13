using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Sql;

/// <summary>Builds the one Azure.Identity credential the settings ask for, and says which at startup.</summary>
internal static partial class TokenCredentialFactory
{
    public static TokenCredential Create(SqlOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return settings.CredentialKind switch
        {
            SqlCredentialKind.ManagedIdentity => new ManagedIdentityCredential(ManagedIdentityOptions(settings.ManagedIdentityClientId)),
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
            _ => throw new AppSettingException("Sql__Credential", $"'{settings.CredentialKind}' is not supported."),
        };
    }

    /// <summary>Says at startup which credential gives the tokens, for which identity and database.</summary>
    public static void LogChoice(ILoggerFactory loggerFactory, SqlOptions settings, TokenCredential credential)
    {
        ArgumentNullException.ThrowIfNull(loggerFactory);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(credential);
        var identity = settings.ManagedIdentityClientId is null ? "system-assigned or none" : "user-assigned " + settings.ManagedIdentityClientId;
        var credentialName = credential.GetType().Name;
        var logger = loggerFactory.CreateLogger(typeof(TokenCredentialFactory).FullName!);
        LogCredential(logger, credentialName, identity, settings.Target);
    }

    /// <summary>
    /// Azure.Identity retries a failing identity endpoint 6 times over about 25 s by default (and ignores
    /// <c>Retry.MaxRetries</c>); a caller waiting for a cold token deserves a quicker, clear 503. A still-valid cached
    /// token is served through endpoint trouble anyway (<see cref="AccessTokenSource"/>).
    /// </summary>
    internal static ManagedIdentityCredentialOptions ManagedIdentityOptions(string? clientId)
    {
        var options = new ManagedIdentityCredentialOptions(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId))
        {
            RetryPolicy = new RetryPolicy(maxRetries: 2, DelayStrategy.CreateExponentialDelayStrategy(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2))),
        };
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        return options;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Azure SQL {Target}: access tokens from {Credential} (identity: {Identity})")]
    private static partial void LogCredential(ILogger logger, string credential, string identity, string target);
}
