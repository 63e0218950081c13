using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

// Microsoft's isolated-worker template with ASP.NET Core integration: no middleware and no settings check.
var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
if (string.Equals(builder.Configuration["Bare:Telemetry"], "true", StringComparison.OrdinalIgnoreCase))
{
    // With Bare__Telemetry=true, the telemetry the app ships: Microsoft's documented OpenTelemetry setup for the
    // isolated worker (the worker's own spans, Azure Monitor export) plus SqlClient's dependency spans.
    builder.Services.AddOpenTelemetry()
        .WithTracing(tracing => tracing.AddSqlClientInstrumentation())
        .UseFunctionsWorkerDefaults()
        .UseAzureMonitorExporter();
}

await builder.Build().RunAsync();
