using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// Application Insights' ingestion endpoint on 127.0.0.1, so the app can run with
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set — the way it runs in Azure, with the Azure Monitor exporters and
/// the worker's OpenTelemetry defaults on — without a network. It accepts every batch (<c>POST /v2.1/track</c>) as
/// ingestion does, answering that all items were accepted, and counts what arrived; it keeps nothing.
/// </summary>
internal sealed class AzureMonitorIngestionSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;
    private long _bytes;

    private AzureMonitorIngestionSink(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A connection string as the portal shows it, with this sink as the ingestion endpoint and no live metrics.</summary>
    public string ConnectionString =>
        $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>Export requests received (each a batch of telemetry items).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Request bytes received, as sent (gzip).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public static async Task<AzureMonitorIngestionSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        var app = builder.Build();
        AzureMonitorIngestionSink? sink = null;
        app.Run(context => sink!.HandleAsync(context));
        await app.StartAsync();
        sink = new AzureMonitorIngestionSink(app, new Uri(app.Urls.First()).Port);
        return sink;
    }

    public async ValueTask DisposeAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(deadline.Token);
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
        {
            Interlocked.Add(ref _bytes, read);
        }

        // Ingestion's answer to a fully accepted batch; the exporter reads only the status unless it is 206.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"itemsReceived\":1,\"itemsAccepted\":1,\"errors\":[]}", context.RequestAborted);
    }
}
