using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Health;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.OpenApi;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions;

/// <summary>Everything the app registers besides the Worker's own, so tests build the same container the host does.</summary>
internal static class AppServiceCollectionExtensions
{
    /// <param name="services">The worker's services.</param>
    /// <param name="configuration">The worker's configuration (the app settings).</param>
    /// <param name="startupLogin">The login Program.cs began while the worker starts, if any.</param>
    public static IServiceCollection AddAzureSqlFunctions(this IServiceCollection services, IConfiguration configuration, SqlStartupLogin? startupLogin = null)
    {
        services.AddAzureSql(startupLogin);
        services.AddBearerTokenValidation();
        services.AddSingleton<OpenApiDocument>();
        services.AddAppTelemetry(configuration);

        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HealthOptions>, HealthOptionsValidator>();
        services.AddOptions<MaintenanceOptions>().BindConfiguration(MaintenanceOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MaintenanceOptions>, MaintenanceOptionsValidator>();

        // The results' own serializer (TypedResults.Ok, Created, Problem) follows the API's JSON contract.
        services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));

        // MVC (which the ASP.NET Core integration adds) brings data protection, whose start-up warm-up writes a key ring
        // under $HOME — unencrypted, with a warning each for that and, in a container (Functions on Linux), for a
        // directory that may not persist. The ephemeral provider alone does not stop the warm-up. The app protects
        // nothing (no cookies, no antiforgery), so its keys live in memory only; there is no storage to encrypt them for.
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        services.Configure<KeyManagementOptions>(keys =>
        {
            keys.XmlRepository = new InMemoryKeyRepository();
            keys.XmlEncryptor = new NullXmlEncryptor();
        });

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
