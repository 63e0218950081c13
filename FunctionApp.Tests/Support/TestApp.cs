using Azure.Core;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Support;

/// <summary>The app's own service registrations over test settings and a chosen credential.</summary>
internal static class TestApp
{
    /// <param name="credential">Null: the app builds its credential from <c>Sql__Credential</c>, as in production.</param>
    /// <param name="time">Shared with a test's token issuer to rotate tokens without waiting.</param>
    public static ServiceProvider Services(string connectionString, TokenCredential? credential, params (string Key, string? Value)[] more) =>
        Services(connectionString, credential, null, more);

    public static ServiceProvider Services(string connectionString, TokenCredential? credential, TimeProvider? time, params (string Key, string? Value)[] more) =>
        Services(connectionString, credential, time, static _ => { }, more);

    /// <param name="configure">Runs before the app's registrations (e.g. a capturing logger provider).</param>
    public static ServiceProvider Services(
        string connectionString, TokenCredential? credential, TimeProvider? time, Action<IServiceCollection> configure, params (string Key, string? Value)[] more)
    {
        ArgumentNullException.ThrowIfNull(configure);
        // A later setting overrides an earlier one of the same key (as a test's own value overrides a default).
        IConfiguration configuration = SettingsBuilder.FromAppSettings(
            [.. new[] { ("Sql__ConnectionString", (string?)connectionString), ("Sql__AllowInsecureTransport", "true") }
                .Concat(more)
                .GroupBy(setting => setting.Item1, StringComparer.OrdinalIgnoreCase)
                .Select(same => same.Last())]);

        // Registered first: AddAzureSql only adds its own when none is registered.
        var services = new ServiceCollection();
        if (credential is not null)
        {
            services.AddSingleton(credential);
        }

        if (time is not null)
        {
            services.AddSingleton(time);
        }

        configure(services);

        return services
            .AddAzureSqlFunctions(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public static InvocationPipeline Pipeline(this IServiceProvider services) => services.GetRequiredService<InvocationPipeline>();

    public static SqlConnectionFactory ConnectionFactory(this IServiceProvider services) => services.GetRequiredService<SqlConnectionFactory>();

    public static SqlMetrics Metrics(this IServiceProvider services) => services.GetRequiredService<SqlMetrics>();
}
