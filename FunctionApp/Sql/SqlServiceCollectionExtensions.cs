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
    /// <param name="services">The worker's services.</param>
    /// <param name="startupLogin">
    /// The login Program.cs began while the worker starts, if any: its credential (with the token it got) serves the
    /// app when the settings are the same, so its pooled session is the first invocation's.
    /// </param>
    public static IServiceCollection AddAzureSql(this IServiceCollection services, SqlStartupLogin? startupLogin = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<SqlOptions>()
            .BindConfiguration(SqlOptions.SectionName)
            .PostConfigure<IConfiguration>(SqlOptions.ApplyCredentialDefault)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SqlOptions>, SqlOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton(sp => new SqlMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>()));
        if (startupLogin is not null)
        {
            services.AddSingleton(startupLogin);
        }

        // A credential registered before this (tests) wins; otherwise the startup login's, or the one Sql__Credential names.
        services.TryAddSingleton<TokenCredential>(sp =>
        {
            var settings = sp.GetRequiredService<IOptions<SqlOptions>>().Value;
            var credential = startupLogin?.CredentialFor(settings) ?? TokenCredentialFactory.Create(settings);
            TokenCredentialFactory.LogChoice(sp.GetRequiredService<ILoggerFactory>(), settings, credential);
            return credential;
        });
        services.TryAddSingleton<AccessTokenSource>();
        services.TryAddSingleton<SqlConnectionFactory>();
        return services;
    }
}
