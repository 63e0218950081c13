using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Health;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.OpenApi;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions;

/// <summary>Everything the app registers besides the Worker's own, so tests build the same container the host does.</summary>
internal static class AppServiceCollectionExtensions
{
    public static IServiceCollection AddAzureSqlFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddAzureSql();
        services.AddBearerTokenValidation();
        services.AddSingleton<OpenApiDocument>();
        services.AddAppTelemetry(configuration);

        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>();
        services.AddOptions<MaintenanceOptions>().BindConfiguration(MaintenanceOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MaintenanceOptions>, MaintenanceOptionsValidator>();

        // The results' own serializer (TypedResults.Ok, Created, Problem) follows the API's JSON contract.
        services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));

        // MVC (which the ASP.NET Core integration adds) would keep a data-protection key ring under $HOME and warn at
        // startup; the app protects nothing (no cookies, no antiforgery), so its keys live in memory only.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();

        services.AddLogging(logging => logging.AddAppLogFilters());
        return services;
    }

    /// <summary>
    /// ASP.NET Core's hosting logs every proxied request URL at Information, query string included — a function key
    /// sent as <c>?code=</c> would reach the logs and Application Insights. Only its warnings and errors are kept.
    /// </summary>
    public static ILoggingBuilder AddAppLogFilters(this ILoggingBuilder logging)
    {
        ArgumentNullException.ThrowIfNull(logging);
        return logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
    }
}
