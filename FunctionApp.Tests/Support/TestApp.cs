using Azure.Core;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Support;

/// <summary>The app's own service registrations over test settings and a chosen credential.</summary>
internal static class TestApp
{
    public static ServiceProvider Services(string connectionString, TokenCredential credential, params (string Key, string? Value)[] more)
    {
        IConfiguration configuration = SettingsBuilder.FromAppSettings(
            [("Sql__ConnectionString", connectionString), ("Sql__AllowInsecureTransport", "true"), .. more]);
        // Registered first: AddAzureSql only builds a credential from the settings when none is registered.
        return new ServiceCollection()
            .AddSingleton(credential)
            .AddAzureSqlFunctions(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static InvocationPipeline Pipeline(this IServiceProvider services) => services.GetRequiredService<InvocationPipeline>();

    public static SqlConnectionFactory ConnectionFactory(this IServiceProvider services) => services.GetRequiredService<SqlConnectionFactory>();

    public static SqlMetrics Metrics(this IServiceProvider services) => services.GetRequiredService<SqlMetrics>();
}
