using System.Globalization;
using System.IO.Compression;
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
/// ingestion does, answering that all items were accepted, and counts what arrived: batches and bytes, and — when
/// started with <c>countItems</c> — the items and the dependency items among them (spans such as SqlClient's), which
/// means inflating every batch; it keeps nothing.
/// </summary>
internal sealed class AzureMonitorIngestionSink : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _requests;
    private long _bytes;
    private long _items;
    private long _dependencies;

    private readonly bool _countItems;

    private AzureMonitorIngestionSink(WebApplication app, int port, bool countItems)
    {
        _app = app;
        Port = port;
        _countItems = countItems;
    }

    public int Port { get; }

    /// <summary>A connection string as the portal shows it, with this sink as the ingestion endpoint and no live metrics.</summary>
    public string ConnectionString =>
        $"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint=http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/";

    /// <summary>Export requests received (each a batch of telemetry items).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Request bytes received, as sent (gzip).</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Telemetry items received (one JSON line each); counted only when started with <c>countItems</c>.</summary>
    public long Items => Interlocked.Read(ref _items);

    /// <summary>Items of type <c>RemoteDependencyData</c> (exported client spans, SqlClient's among them); counted only when started with <c>countItems</c>.</summary>
    public long Dependencies => Interlocked.Read(ref _dependencies);

    /// <param name="countItems">Inflate each batch and count its items (costs CPU in this process per batch).</param>
    public static async Task<AzureMonitorIngestionSink> StartAsync(bool countItems = false)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        var app = builder.Build();
        AzureMonitorIngestionSink? sink = null;
        app.Run(context => sink!.HandleAsync(context));
        await app.StartAsync();
        sink = new AzureMonitorIngestionSink(app, new Uri(app.Urls.First()).Port, countItems);
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
        if (!_countItems)
        {
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                Interlocked.Add(ref _bytes, read);
            }
        }
        else
        {
            // Counting inflates the batch, so it is kept whole first.
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            Interlocked.Add(ref _bytes, body.Length);
            body.Position = 0;
            try
            {
                await CountItemsAsync(body, string.Equals(context.Request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase), context.RequestAborted);
            }
            catch (InvalidDataException)
            {
                // Not gzip after all: counted as a batch and bytes, without items.
            }
        }

        // Ingestion's answer to a fully accepted batch; the exporter reads only the status unless it is 206.
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"itemsReceived\":1,\"itemsAccepted\":1,\"errors\":[]}", context.RequestAborted);
    }

    /// <summary>Counts a batch's items: one JSON object per line (newline-delimited), gzip as the exporter sends it.</summary>
    private async Task CountItemsAsync(Stream body, bool gzip, CancellationToken cancellationToken)
    {
        using var json = new StreamReader(gzip ? new GZipStream(body, CompressionMode.Decompress) : body);
        while (await json.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            Interlocked.Increment(ref _items);
            if (line.Contains("\"RemoteDependencyData\"", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _dependencies);
            }
        }
    }
}
