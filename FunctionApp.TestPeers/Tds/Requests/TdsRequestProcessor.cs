using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Tokens;

namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>Runs one client request (SQL batch, RPC or transaction manager) and streams its response.</summary>
internal sealed class TdsRequestProcessor(TdsServer server, TdsPacketStream packets, TdsSessionState state, CancellationToken sessionToken)
{
    private readonly TdsTransactionHandler _transactions = new(server, state);

    /// <summary>Returns false when the response carried a fatal error (severity 20+), after which the session ends.</summary>
    public async Task<bool> ProcessAsync(TdsMessage message, CancellationToken requestToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestToken, sessionToken);
        var writer = new TdsResponseWriter(packets, server.Faults.TakeDropAfterRows, sessionToken);
        var reset = message.ResetsConnection;
        if (reset)
        {
            ResetSession(message.KeepsTransaction);
            await writer.WriteEnvChangeAsync(TdsEnvChangeType.ResetConnectionAck, ReadOnlyMemory<byte>.Empty, ReadOnlyMemory<byte>.Empty);
        }

        try
        {
            if (server.Faults.RequestDelay > TimeSpan.Zero)
            {
                await Task.Delay(server.Faults.RequestDelay, linked.Token);
            }

            switch (message.Type)
            {
                case TdsPacketType.SqlBatch:
                    await RunBatchAsync(message.Payload, reset, writer, linked.Token);
                    break;
                case TdsPacketType.Rpc:
                    await RunRpcAsync(message.Payload, reset, writer, linked.Token);
                    break;
                case TdsPacketType.TransactionManager:
                    await _transactions.RunAsync(message.Payload, writer, linked.Token);
                    break;
                default:
                    throw new TdsProtocolException($"packet type {message.Type:X2} is not a request this peer serves");
            }
        }
        catch (OperationCanceledException) when (requestToken.IsCancellationRequested && !sessionToken.IsCancellationRequested)
        {
            // Attention: stop here; the session answers DONE_ATTN as a message of its own.
        }

        await writer.EndAsync();
        return !writer.IsFatal;
    }

    /// <summary>
    /// RESETCONNECTION: session state back to a fresh login (sp_reset_connection): the session context is cleared and
    /// an open transaction is rolled back unless kept. The response then opens with ENVCHANGE 18, SQL Server's
    /// acknowledgement of the reset.
    /// </summary>
    private void ResetSession(bool keepTransaction)
    {
        server.Counters.ResetConnectionSeen();
        if (!server.Faults.TakeKeepSessionContextOnReset())
        {
            state.ClearContext();
        }

        if (!keepTransaction && state.TransactionDescriptor is { } open)
        {
            state.EndTransaction();
            server.EndTransaction(open, state.SessionId, committed: false);
        }
    }

    private async Task RunBatchAsync(ReadOnlyMemory<byte> payload, bool reset, TdsResponseWriter writer, CancellationToken cancellationToken)
    {
        var reader = new TdsPayloadReader(payload);
        var descriptor = AllHeaders.Read(reader);
        var text = reader.ReadUnicode(reader.Remaining / 2);
        var response = await RunStatementAsync(text, [], descriptor, TdsRequestKind.SqlBatch, reset, cancellationToken);
        if (response.Parts.Count == 0)
        {
            await writer.WriteDoneAsync(TdsTokenType.Done, TdsDoneStatus.Final, 0, 0);
            return;
        }

        await writer.WritePartsAsync(response.Parts, TdsTokenType.Done, isLastInRequest: true, cancellationToken);
    }

    private async Task RunRpcAsync(ReadOnlyMemory<byte> payload, bool reset, TdsResponseWriter writer, CancellationToken cancellationToken)
    {
        var (descriptor, calls) = RpcRequestParser.Parse(payload);
        for (var i = 0; i < calls.Count; i++)
        {
            var response = await RunStatementAsync(calls[i].Text, calls[i].Parameters, descriptor, TdsRequestKind.Rpc, reset && i == 0, cancellationToken);
            var errorsBefore = writer.ErrorCount;
            await writer.WritePartsAsync(response.Parts, TdsTokenType.DoneInProc, isLastInRequest: false, cancellationToken);
            var failed = writer.ErrorCount > errorsBefore;
            await writer.WriteReturnStatusAsync(failed ? 1 : 0);
            var status = (ushort)((i == calls.Count - 1 ? TdsDoneStatus.Final : TdsDoneStatus.More) | (failed ? TdsDoneStatus.Error : 0));
            await writer.WriteDoneAsync(TdsTokenType.DoneProc, status, 0, 0);
        }
    }

    private async Task<SqlResponse> RunStatementAsync(
        string text, IReadOnlyList<SqlParameterValue> parameters, ulong? descriptor, TdsRequestKind kind, bool reset, CancellationToken cancellationToken)
    {
        server.Counters.StatementRun();
        var context = state.ContextSnapshot();
        server.Record(new RecordedStatement(text, parameters, state.SessionId, descriptor, kind) { SessionContext = context, ResetConnection = reset });
        if (kind == TdsRequestKind.Rpc && TdsSessionContext.IsSetCall(text))
        {
            // The system procedure, served here: its own fault, never the next statement's.
            var error = server.Faults.TakeSessionContextFault() ?? TdsSessionContext.Apply(state, parameters);
            return error is null ? SqlResponse.Empty() : SqlResponse.Error(error.Number, error.Message, error.Severity);
        }

        if (server.Faults.TakeStatementFault() is { } fault)
        {
            return SqlResponse.Error(fault.Number, fault.Message, fault.Severity);
        }

        var request = new SqlRequest(text, parameters, state.SessionId, descriptor, kind, context);
        try
        {
            return await server.ResolveAsync(request, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // A handler bug (even its own timeout) shows up in the test as a SQL error naming it, not as a dropped
            // connection; only a cancellation by attention or shutdown travels on.
            return SqlResponse.Error(50000, $"TdsServer: handler for '{text}' threw {exception.GetType().Name}: {exception.Message}");
        }
    }
}
