using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>The worker's InvocationResponse for one invocation.</summary>
/// <param name="Elapsed">From sending the InvocationRequest to receiving the response.</param>
public sealed record InvocationResult(string InvocationId, string FunctionName, InvocationStatus Status, WorkerError? Error, TimeSpan Elapsed)
{
    public bool Succeeded => Status == InvocationStatus.Success;

    public override string ToString() => $"{FunctionName} {InvocationId}: {Status}{(Error is null ? string.Empty : $" ({Error})")}";

    internal static InvocationResult From(InvocationResponse response, string functionName, TimeSpan elapsed) =>
        new(response.InvocationId, functionName, (InvocationStatus)(int)(response.Result?.Status ?? StatusResult.Types.Status.Failure), WorkerError.From(response.Result?.Exception), elapsed);
}
