using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;
using Grpc.Core;
using GrpcException = Grpc.Core.RpcException;
using MessageCase = AzureSqlFunctions.TestPeers.FunctionsHost.Rpc.StreamingMessage.ContentOneofCase;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// The worker's one EventStream: one writer loop (gRPC allows one write at a time), one reader loop that hands
/// each answer to whoever waits for it. Answers are matched by what identifies them in the protocol: the message
/// type (StartStream, WorkerInitResponse, FunctionMetadataResponse), the function id (FunctionLoadResponse), the
/// invocation id (InvocationResponse), or the echoed request id (the bare replies to InvocationCancel and
/// WorkerTerminate). RpcLogs are kept.
/// </summary>
internal sealed class WorkerConnection
{
    private const string StartKey = "start";
    private const string InitKey = "init";
    private const string MetadataKey = "metadata";

    private readonly IAsyncStreamReader<StreamingMessage> _inbound;
    private readonly IServerStreamWriter<StreamingMessage> _outbound;
    private readonly Channel<StreamingMessage> _sending = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> _awaited = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closing;
    private readonly TaskCompletionSource _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _requestIds;
    private Exception? _closeReason;

    public WorkerConnection(IAsyncStreamReader<StreamingMessage> inbound, IServerStreamWriter<StreamingMessage> outbound, CancellationToken callAborted)
    {
        _inbound = inbound;
        _outbound = outbound;
        _closing = CancellationTokenSource.CreateLinkedTokenSource(callAborted);
        Started = Await(StartKey);
    }

    /// <summary>The worker's StartStream, the first message on the stream.</summary>
    public Task<StreamingMessage> Started { get; }

    public ObservedList<WorkerLog> Logs { get; } = new();

    /// <summary>Messages nobody waited for (e.g. an InvocationResponse for an unknown id), as text.</summary>
    public ObservedList<string> Unexpected { get; } = new();

    /// <summary>Completes when the stream has ended, from either side.</summary>
    public Task Closed => _closed.Task;

    /// <summary>Runs the stream until the worker ends it or <see cref="Close"/> is called; the gRPC call lasts as long.</summary>
    public async Task RunAsync()
    {
        var writing = WriteAllAsync();
        try
        {
            while (await _inbound.MoveNext(_closing.Token))
            {
                Dispatch(_inbound.Current);
            }

            _closeReason = new IOException("The worker ended its EventStream.");
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or GrpcException or InvalidOperationException)
        {
            _closeReason = new IOException("The worker's EventStream was closed.", ex);
        }
        finally
        {
            _sending.Writer.TryComplete();
            foreach (var key in _awaited.Keys)
            {
                if (_awaited.TryRemove(key, out var waiter))
                {
                    waiter.TrySetException(_closeReason!);
                }
            }

            _closed.TrySetResult();
        }

        try
        {
            await writing;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or GrpcException or InvalidOperationException)
        {
            // The stream is gone; nothing more can be written.
        }
    }

    /// <summary>Ends the stream from the peer's side.</summary>
    public void Close() => _closing.Cancel();

    public Task<StreamingMessage> InitializeAsync(WorkerInitRequest request) =>
        SendAndAwait(new StreamingMessage { WorkerInitRequest = request }, InitKey);

    public Task<StreamingMessage> IndexAsync(FunctionsMetadataRequest request) =>
        SendAndAwait(new StreamingMessage { FunctionsMetadataRequest = request }, MetadataKey);

    public Task<StreamingMessage> LoadAsync(FunctionLoadRequest request) =>
        SendAndAwait(new StreamingMessage { FunctionLoadRequest = request }, LoadKey(request.FunctionId));

    public Task<StreamingMessage> InvokeAsync(InvocationRequest request) =>
        SendAndAwait(new StreamingMessage { InvocationRequest = request }, InvocationKey(request.InvocationId));

    /// <summary>Sends InvocationCancel; the task is the worker's bare reply.</summary>
    public Task<StreamingMessage> CancelAsync(string invocationId) =>
        SendAndAwaitReply(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });

    /// <summary>Sends WorkerTerminate; the task is the worker's bare reply.</summary>
    public Task<StreamingMessage> TerminateAsync(TimeSpan gracePeriod) =>
        SendAndAwaitReply(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(gracePeriod) } });

    /// <summary>Stops waiting for an answer (after a timeout), so a late one counts as unexpected.</summary>
    public void Forget(string invocationId) => _awaited.TryRemove(InvocationKey(invocationId), out _);

    private static string LoadKey(string functionId) => "load:" + functionId;

    private static string InvocationKey(string invocationId) => "invocation:" + invocationId;

    private static string ReplyKey(string requestId) => "reply:" + requestId;

    private Task<StreamingMessage> SendAndAwaitReply(StreamingMessage message)
    {
        message.RequestId = NextRequestId();
        return SendAndAwait(message, ReplyKey(message.RequestId));
    }

    private Task<StreamingMessage> SendAndAwait(StreamingMessage message, string key)
    {
        if (message.RequestId.Length == 0)
        {
            message.RequestId = NextRequestId();
        }

        var answer = Await(key);
        if (!_sending.Writer.TryWrite(message))
        {
            _awaited.TryRemove(key, out _);
            return Task.FromException<StreamingMessage>(_closeReason ?? new IOException("The worker's EventStream is closed."));
        }

        return answer;
    }

    private Task<StreamingMessage> Await(string key)
    {
        var waiter = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_awaited.TryAdd(key, waiter))
        {
            throw new InvalidOperationException($"Already waiting for '{key}' from the worker.");
        }

        if (_closed.Task.IsCompleted && _awaited.TryRemove(key, out _))
        {
            waiter.TrySetException(_closeReason ?? new IOException("The worker's EventStream is closed."));
        }

        return waiter.Task;
    }

    private string NextRequestId() => "peer-" + Interlocked.Increment(ref _requestIds).ToString(CultureInfo.InvariantCulture);

    private void Dispatch(StreamingMessage message)
    {
        var key = message.ContentCase switch
        {
            MessageCase.RpcLog => null,
            MessageCase.StartStream => StartKey,
            MessageCase.WorkerInitResponse => InitKey,
            MessageCase.FunctionMetadataResponse => MetadataKey,
            MessageCase.FunctionLoadResponse => LoadKey(message.FunctionLoadResponse.FunctionId),
            MessageCase.InvocationResponse => InvocationKey(message.InvocationResponse.InvocationId),
            _ => ReplyKey(message.RequestId),
        };

        if (key is null)
        {
            Logs.Add(WorkerLog.From(message.RpcLog, DateTimeOffset.UtcNow));
        }
        else if (_awaited.TryRemove(key, out var waiter))
        {
            waiter.TrySetResult(message);
        }
        else
        {
            Unexpected.Add($"{message.ContentCase} ({key}): {message}");
        }
    }

    private async Task WriteAllAsync()
    {
        await foreach (var message in _sending.Reader.ReadAllAsync(_closing.Token))
        {
            await _outbound.WriteAsync(message, _closing.Token);
        }
    }
}
