namespace AzureSqlFunctions.Sql;

/// <summary>Which Azure.Identity credential supplies the app's Entra tokens for Azure SQL (setting <c>Sql__Credential</c>).</summary>
public enum SqlCredentialKind
{
    /// <summary><c>ManagedIdentityCredential</c>: system-assigned, or user-assigned with <c>Sql__ManagedIdentityClientId</c>.</summary>
    ManagedIdentity,

    /// <summary><c>AzureCliCredential</c>: the developer's <c>az login</c>.</summary>
    AzureCli,

    /// <summary><c>WorkloadIdentityCredential</c>: federated token file (AKS, GitHub Actions).</summary>
    WorkloadIdentity,

    /// <summary><c>EnvironmentCredential</c>: AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_CERTIFICATE_PATH….</summary>
    Environment,

    /// <summary><c>DefaultAzureCredential</c>, honouring AZURE_TOKEN_CREDENTIALS.</summary>
    Default,
}
