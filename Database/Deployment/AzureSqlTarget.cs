using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Database.Deployment;

/// <summary>Connection strings for the target database. They name no credentials: the token is set per connection.</summary>
internal static class AzureSqlTarget
{
    public static string ConnectionString(string server, string database)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(server);
        ArgumentException.ThrowIfNullOrWhiteSpace(database);
        var builder = new SqlConnectionStringBuilder
        {
            DataSource = $"tcp:{server},1433",
            InitialCatalog = database,
            Encrypt = SqlConnectionEncryptOption.Mandatory,
            TrustServerCertificate = false,
            ConnectTimeout = 30,
            ApplicationName = "AzureSqlFunctions.Database",
        };
        return builder.ConnectionString;
    }
}
