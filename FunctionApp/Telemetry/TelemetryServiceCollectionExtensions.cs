using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AzureSqlFunctions.Telemetry;

/// <summary>
/// OpenTelemetry for the app: the Functions worker's defaults, the SQL/token meter, SqlClient's command traces
/// (unless <c>Telemetry__SqlClientSpans=false</c>), and — when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set —
/// the Azure Monitor exporter, authenticating with the app's managed identity (Application Insights runs with local
/// auth disabled).
/// </summary>
internal static class TelemetryServiceCollectionExtensions
{
    public const string ServiceName = "AzureSqlFunctions";
    private const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    private const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IServiceCollection AddAppTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var connectionString = configuration[ConnectionStringSetting];
        var exportToAzureMonitor = !string.IsNullOrWhiteSpace(connectionString);
        var credential = exportToAzureMonitor ? ExporterCredential(configuration[AuthenticationSetting]) : null;
        var sqlClientSpans = TelemetryOptions.SqlClientSpansIn(configuration);
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateOnStart();

        var openTelemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SqlMetrics.MeterName);
                if (exportToAzureMonitor)
                {
                    metrics.AddAzureMonitorMetricExporter(o => Configure(o, connectionString!, credential));
                }
            })
            .WithTracing(tracing =>
            {
                if (sqlClientSpans)
                {
                    tracing.AddSqlClientInstrumentation();
                }

                if (exportToAzureMonitor)
                {
                    tracing.AddAzureMonitorTraceExporter(o => Configure(o, connectionString!, credential));
                }
            });

        if (exportToAzureMonitor)
        {
            // The worker's own traces and resource, and the capability that tells the host to stop emitting a second
            // copy of the worker's telemetry (host.json sets "telemetryMode": "OpenTelemetry"). Only when the worker
            // exports itself: with it, the worker's log lines reach the host without their invocation id and the host
            // drops them from its console (azure-functions-dotnet-worker#3487, #3489), so under Core Tools — no
            // connection string — a developer would see no log line of the app at all.
            openTelemetry.UseFunctionsWorkerDefaults();
        }

        if (exportToAzureMonitor)
        {
            services.AddLogging(logging => logging.AddOpenTelemetry(o => o.AddAzureMonitorLogExporter(e => Configure(e, connectionString!, credential))));
        }

        return services;
    }

    /// <summary>
    /// <c>ClientId=&lt;guid&gt;;Authorization=AAD</c> (what infra/ sets) → that user-assigned identity; absent → none
    /// (only where Application Insights still allows local auth).
    /// </summary>
    internal static TokenCredential? ExporterCredential(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        string? clientId = null;
        var aad = false;
        foreach (var part in authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pair = part.Split('=', 2, StringSplitOptions.TrimEntries);
            if (pair.Length != 2)
            {
                continue;
            }

            if (pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))
            {
                clientId = pair[1];
            }
            else if (pair[0].Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                aad = pair[1].Equals("AAD", StringComparison.OrdinalIgnoreCase);
            }
        }

        if (!aad)
        {
            throw new InvalidOperationException($"App setting {AuthenticationSetting} must contain 'Authorization=AAD'.");
        }

        return new ManagedIdentityCredential(clientId is null ? ManagedIdentityId.SystemAssigned : ManagedIdentityId.FromUserAssignedClientId(clientId));
    }

    private static void Configure(AzureMonitorExporterOptions options, string connectionString, TokenCredential? credential)
    {
        options.ConnectionString = connectionString;
        if (credential is not null)
        {
            options.Credential = credential;
        }
    }
}
