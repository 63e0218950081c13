using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions;

/// <summary>Everything the app registers, Worker-free, so tests build the same container the host does.</summary>
internal static class AppServiceCollectionExtensions
{
    public static IServiceCollection AddAzureSqlFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAzureSql(configuration);
        services.AddAppTelemetry(configuration);
        return services;
    }
}
