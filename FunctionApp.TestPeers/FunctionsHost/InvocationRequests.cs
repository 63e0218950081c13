using System.Diagnostics;
using System.Globalization;
using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>InvocationRequests as the host builds them: the trigger's input under its binding name, trigger metadata, a trace context.</summary>
internal static class InvocationRequests
{
    /// <summary>A timer trigger firing: TimerInfo JSON, and <c>TimerTrigger</c> metadata (the host's local time as text).</summary>
    public static InvocationRequest Timer(IndexedFunction function, FunctionBinding trigger, string timerInfoJson, bool sampled)
    {
        var request = New(function, Guid.NewGuid().ToString(), sampled);
        request.InputData.Add(new ParameterBinding { Name = trigger.Name, Data = new TypedData { Json = timerInfoJson } });
        request.TriggerMetadata.Add("TimerTrigger", new TypedData { String = DateTime.Now.ToString(CultureInfo.InvariantCulture) });
        return request;
    }

    /// <summary>An HTTP trigger of a proxying worker: an empty RpcHttp (the request itself travels on the HTTP hop).</summary>
    public static InvocationRequest Http(IndexedFunction function, string triggerName, IDictionary<string, TypedData> triggerMetadata, string invocationId, bool sampled)
    {
        var request = New(function, invocationId, sampled);
        request.InputData.Add(new ParameterBinding { Name = triggerName, Data = new TypedData { Http = new RpcHttp() } });
        request.TriggerMetadata.Add(triggerMetadata);
        return request;
    }

    // The worker dereferences the trace context: an InvocationRequest without one fails with a NullReferenceException.
    private static InvocationRequest New(IndexedFunction function, string invocationId, bool sampled) =>
        new()
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext
            {
                TraceParent = $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-{(sampled ? "01" : "00")}",
            },
        };
}
