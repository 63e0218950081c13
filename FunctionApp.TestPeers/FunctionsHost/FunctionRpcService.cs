using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;
using Grpc.Core;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>The gRPC service the worker dials: hands its EventStream to the server and keeps the call open while it runs.</summary>
internal sealed class FunctionRpcService(RpcServer server) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return server.AcceptAsync(requestStream, responseStream, context.CancellationToken);
    }
}
