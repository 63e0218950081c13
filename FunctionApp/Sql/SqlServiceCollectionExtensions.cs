using Azure.Core;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Sql;

/// <summary>Registers the SQL path: options → credential → token source → connection factory.</summary>
internal static class SqlServiceCollectionExtensions
{
    public static IServiceCollection AddAzureSql(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SqlOptions>()
            .BindConfiguration(SqlOptions.SectionName)
            .PostConfigure<IConfiguration>(static (options, configuration) =>
                // Documented default: managed identity on Azure, the developer's az login elsewhere.
                options.Credential ??= string.IsNullOrEmpty(configuration[SqlOptions.RunningInAzureVariable])
                    ? SqlCredentialKind.AzureCli
                    : SqlCredentialKind.ManagedIdentity)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SqlOptions>, SqlOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp => new SqlMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        // A credential registered before this (tests) wins; otherwise the one Sql__Credential names.
        services.TryAddSingleton<TokenCredential>(sp => TokenCredentialFactory.Create(
            sp.GetRequiredService<IOptions<SqlOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        services.TryAddSingleton<AccessTokenSource>();
        services.TryAddSingleton<SqlConnectionFactory>();
        return services;
    }
}
