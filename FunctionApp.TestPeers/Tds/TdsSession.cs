using System.Net.Sockets;
using System.Threading.Channels;
using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Login;
using AzureSqlFunctions.TestPeers.Tds.Requests;
using AzureSqlFunctions.TestPeers.Tds.Tokens;
using AzureSqlFunctions.TestPeers.Tds.Transport;

namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>
/// One client connection: PRELOGIN/TLS, login, then requests. After login a reader task keeps reading so an
/// ATTENTION can cancel the request being answered; requests and attentions are served in arrival order.
/// </summary>
internal sealed class TdsSession(TdsServer server, Socket socket, ushort sessionId) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Ends the session from outside (server disposal): pending reads and writes are cancelled.</summary>
    public void Abort()
    {
        try
        {
            _stop.Cancel();
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already ended by itself.
        }
    }

    public async Task RunAsync(CancellationToken serverToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(serverToken, _stop.Token);
        var token = linked.Token;
        var packets = new TdsPacketStream(new NetworkStream(socket, ownsSocket: true), sessionId);
        var state = new TdsSessionState(sessionId);
        var loggedIn = false;
        try
        {
            var strict = await TdsHandshake.RunAsync(socket, packets, server.Certificate, token);
            var login = new TdsLoginStage(server, packets, strict);
            if (await login.RunAsync(() => { loggedIn = true; server.Counters.SessionOpened(); }, token))
            {
                await ServeRequestsAsync(packets, state, token);
            }
        }
        catch (Exception exception)
        {
            // The client went away, the server is stopping, a fault dropped it, it spoke nonsense, or a handler's
            // rows threw: the session ends, recorded for diagnosis, and the server itself keeps running.
            server.RecordSessionEnd(sessionId, exception);
        }
        finally
        {
            // Counted before the socket closes, so a client that sees the close also sees the count.
            if (loggedIn)
            {
                if (state.TransactionDescriptor is { } open)
                {
                    state.EndTransaction();
                    server.EndTransaction(open, sessionId, committed: false);
                }

                server.Counters.SessionClosed();
            }

            await packets.Stream.DisposeAsync();
            socket.Dispose();
        }
    }

    public void Dispose() => _stop.Dispose();

    private async Task ServeRequestsAsync(TdsPacketStream packets, TdsSessionState state, CancellationToken token)
    {
        var queue = Channel.CreateUnbounded<PendingRequest>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var readerStop = CancellationTokenSource.CreateLinkedTokenSource(token);
        var reading = ReadRequestsAsync(packets, queue.Writer, readerStop.Token);
        var processor = new TdsRequestProcessor(server, packets, state, token);
        try
        {
            await foreach (var pending in queue.Reader.ReadAllAsync(token))
            {
                if (pending.IsAttention)
                {
                    await packets.WriteMessageAsync(TdsPacketType.TabularResult, DoneAttention(), token);
                    continue;
                }

                var keepGoing = await processor.ProcessAsync(pending.Message!, pending.Cancellation!.Token);
                pending.Cancellation.Dispose();
                if (!keepGoing)
                {
                    return;
                }
            }
        }
        finally
        {
            await readerStop.CancelAsync();
            await reading.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        await reading; // surfaces a read failure (protocol error) once everything queued was answered
    }

    /// <summary>Reads messages until the client closes; an ATTENTION cancels the request read just before it.</summary>
    private async Task ReadRequestsAsync(TdsPacketStream packets, ChannelWriter<PendingRequest> queue, CancellationToken token)
    {
        CancellationTokenSource? latest = null;
        try
        {
            while (await packets.ReadMessageAsync(token) is { } message)
            {
                if (message.Type == TdsPacketType.Attention)
                {
                    server.Counters.AttentionSeen();
                    CancelQuietly(latest);
                    queue.TryWrite(PendingRequest.Attention);
                    continue;
                }

                latest = new CancellationTokenSource();
                queue.TryWrite(new PendingRequest(message, latest));
            }

            queue.TryComplete();
        }
        catch (Exception exception)
        {
            queue.TryComplete(exception);
            throw;
        }
        finally
        {
            // The client is gone: a handler still waiting for the last request must not wait for the server to stop.
            CancelQuietly(latest);
        }
    }

    private static void CancelQuietly(CancellationTokenSource? source)
    {
        try
        {
            source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // That request was already answered; the DONE_ATTN still follows.
        }
    }

    private static ReadOnlyMemory<byte> DoneAttention()
    {
        var buffer = new TdsBuffer();
        TdsTokenWriter.Done(buffer, TdsTokenType.Done, TdsDoneStatus.Attention, 0, 0);
        return buffer.Written;
    }
}
