using System.Runtime.CompilerServices;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>An invocation sent to the worker and not necessarily finished: await it, or cancel it first.</summary>
public sealed class PendingInvocation<TResult>
{
    private readonly Func<string, Task> _cancel;

    internal PendingInvocation(string invocationId, string functionName, Task sent, Task<TResult> result, Func<string, Task> cancel)
    {
        InvocationId = invocationId;
        FunctionName = functionName;
        Sent = sent;
        Result = result;
        _cancel = cancel;
    }

    public string InvocationId { get; }

    public string FunctionName { get; }

    /// <summary>Completes once the InvocationRequest is on its way to the worker.</summary>
    public Task Sent { get; }

    public Task<TResult> Result { get; }

    /// <summary>
    /// Sends InvocationCancel for this invocation (after its InvocationRequest), as the host does when its
    /// invocation is cancelled, and waits for the worker's bare reply. A worker that has not yet started the
    /// invocation ignores the cancel: wait for a sign that the function runs first (e.g. one of its logs).
    /// </summary>
    public async Task CancelAsync()
    {
        await Sent;
        await _cancel(InvocationId);
    }

    public TaskAwaiter<TResult> GetAwaiter() => Result.GetAwaiter();
}
