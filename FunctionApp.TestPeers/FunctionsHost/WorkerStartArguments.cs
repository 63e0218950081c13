using System.Globalization;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// The command line the host gives a dotnet-isolated worker (RpcWorkerContext.GetFormattedArguments): the worker
/// assembly, then the legacy switches and their <c>--functions-</c> twins, which Worker 2.x reads.
/// </summary>
internal static class WorkerStartArguments
{
    public static IReadOnlyList<string> For(string workerPath, Uri rpcUri, string workerId, string requestId, int maxMessageLength)
    {
        var length = maxMessageLength.ToString(CultureInfo.InvariantCulture);
        return
        [
            workerPath,
            "--host", rpcUri.Host,
            "--port", rpcUri.Port.ToString(CultureInfo.InvariantCulture),
            "--workerId", workerId,
            "--requestId", requestId,
            "--grpcMaxMessageLength", length,
            "--functions-uri", rpcUri.AbsoluteUri,
            "--functions-worker-id", workerId,
            "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", length,
        ];
    }
}
