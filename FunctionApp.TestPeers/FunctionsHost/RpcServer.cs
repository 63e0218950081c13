using System.Globalization;
using System.Net;
using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;
using Grpc.Core;
using GrpcException = Grpc.Core.RpcException;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>The host's gRPC endpoint: Kestrel on 127.0.0.1, HTTP/2 without TLS, serving one worker's EventStream.</summary>
internal sealed class RpcServer : IAsyncDisposable
{
    private readonly TaskCompletionSource<WorkerConnection> _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private WebApplication? _app;

    private RpcServer()
    {
    }

    /// <summary>What the worker gets as <c>--functions-uri</c>.</summary>
    public Uri Uri { get; private set; } = null!;

    public int Port => Uri.Port;

    /// <summary>The worker's stream, once it has dialled in.</summary>
    public Task<WorkerConnection> Connected => _connected.Task;

    public static async Task<RpcServer> StartAsync(int maxMessageLength)
    {
        var server = new RpcServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        builder.Services.AddSingleton(server);
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = maxMessageLength;
            options.MaxSendMessageSize = maxMessageLength;
        });
        var app = builder.Build();
        app.MapGrpcService<FunctionRpcService>();
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        server.Uri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        server._app = app;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connected.Task.IsCompletedSuccessfully)
        {
            var connection = await _connected.Task;
            connection.Close();
            try
            {
                await connection.Closed.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
                // Stopping the server below ends the call regardless.
            }
        }

        _connected.TrySetCanceled();
        if (_app is not null)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(deadline.Token);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    internal Task AcceptAsync(IAsyncStreamReader<StreamingMessage> inbound, IServerStreamWriter<StreamingMessage> outbound, CancellationToken callAborted)
    {
        var connection = new WorkerConnection(inbound, outbound, callAborted);
        if (!_connected.TrySetResult(connection))
        {
            throw new GrpcException(new Status(StatusCode.FailedPrecondition, "This host peer serves one EventStream per worker; it already has one."));
        }

        return connection.RunAsync();
    }
}
