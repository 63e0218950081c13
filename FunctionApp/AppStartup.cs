using System.Reflection;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Health;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions;

/// <summary>
/// How Program.cs runs the built worker: first every options section binds and validates and the SQL path is built
/// (which logs the credential in use, and how the start-up login went when it ends) — a bad setting stops the worker
/// with exit code 1 and its app-setting name on stderr — then the worker runs until the host terminates it.
/// </summary>
internal static class AppStartup
{
    public const int BadSettings = 1;

    public static async Task<int> RunAsync(IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            ValidateSettings(host.Services);
        }
        catch (AppSettingException ex)
        {
            await Console.Error.WriteLineAsync($"The app cannot start: {ex.Message}");
            return BadSettings;
        }

        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        try
        {
            await host.RunAsync();
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            // The host sent WorkerTerminate while the worker was still starting (its HTTP listener binding): a stop it
            // asked for, not a crash.
        }

        return 0;
    }

    public static void ValidateSettings(IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Bind<SqlOptions>(services, SqlOptions.SectionName);
        Bind<HealthOptions>(services, HealthOptions.SectionName);
        Bind<MaintenanceOptions>(services, MaintenanceOptions.SectionName);
        Bind<AuthOptions>(services, AuthOptions.SectionName);
        Bind<TelemetryOptions>(services, TelemetryOptions.SectionName);
        services.GetRequiredService<SqlConnectionFactory>();
        services.GetRequiredService<BearerTokenValidator>();
        services.GetService<SqlStartupLogin>()?.ReportTo(services.GetRequiredService<ILogger<SqlStartupLogin>>());
    }

    private static void Bind<T>(IServiceProvider services, string section)
        where T : class
    {
        try
        {
            _ = services.GetRequiredService<IOptions<T>>().Value;
        }
        catch (OptionsValidationException ex)
        {
            throw new AppSettingException(string.Join(" ", ex.Failures));
        }
        catch (InvalidOperationException ex) when (ex.InnerException is not null && BadValue<T>(services, section) is { } failure)
        {
            // The binder's own message names 'Sql:OpenTimeout' and the CLR type; say it as an app setting instead.
            throw new AppSettingException(failure, ex);
        }
    }

    /// <summary>The first setting of the section whose text does not convert to its property's type.</summary>
    private static string? BadValue<T>(IServiceProvider services, string section)
    {
        var configuration = services.GetRequiredService<IConfiguration>().GetSection(section);
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var text = configuration[property.Name];
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (string.IsNullOrEmpty(text) || type == typeof(string) || Converts(text, type))
            {
                continue;
            }

            return $"{section}__{property.Name}: '{text}' is not {Expected(type)}.";
        }

        return null;
    }

    private static bool Converts(string text, Type type) => type switch
    {
        _ when type == typeof(int) => int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out _),
        _ when type == typeof(bool) => bool.TryParse(text, out _),
        _ when type == typeof(TimeSpan) => TimeSpan.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out _),
        _ when type.IsEnum => Enum.TryParse(type, text, ignoreCase: true, out _),
        _ => true,
    };

    private static string Expected(Type type) => type switch
    {
        _ when type == typeof(int) => "a whole number",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a duration (hh:mm:ss)",
        _ when type.IsEnum => $"one of: {string.Join(", ", Enum.GetNames(type))}",
        _ => $"a {type.Name}",
    };
}
