using AzureSqlFunctions.Health;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using AzureSqlFunctions.Todos;
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

        // Settings are read (and validated) now, so a bad value stops the app at startup naming the setting.
        services.AddSingleton(HealthSettings.Read(configuration));
        services.AddSingleton(MaintenanceSettings.Read(configuration));
        services.AddSingleton<TodoCommands>();
        services.AddSingleton<HealthHandler>();
        services.AddSingleton<PurgeJob>();
        return services;
    }
}
