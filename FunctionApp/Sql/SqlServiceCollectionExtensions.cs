using Azure.Core;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AzureSqlFunctions.Sql;

/// <summary>Registers the SQL path (settings → credential → token source → connection factory); Worker-free.</summary>
internal static class SqlServiceCollectionExtensions
{
    /// <summary>
    /// Reads and validates the <c>Sql</c> section now, so a bad setting stops the app at startup with its name.
    /// </summary>
    public static IServiceCollection AddAzureSql(this IServiceCollection services, IConfiguration configuration, TokenCredential? credential = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var settings = SqlSettingsReader.Read(configuration);
        services.AddSingleton(settings);
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddMetrics();
        services.TryAddSingleton(sp => new SqlMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        services.TryAddSingleton<TokenCredential>(sp => credential ?? TokenCredentialFactory.Create(settings, sp.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()));
        services.TryAddSingleton<AccessTokenSource>();
        services.TryAddSingleton<SqlConnectionFactory>();
        services.TryAddSingleton<InvocationPipeline>();
        return services;
    }
}
