using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Tokens;

namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>
/// Transaction manager requests: BEGIN answers ENVCHANGE 8 with a fresh descriptor, COMMIT and ROLLBACK
/// answer ENVCHANGE 9/10 with the old one (without them the client keeps sending the old descriptor).
/// </summary>
internal sealed class TdsTransactionHandler(TdsServer server, TdsSessionState state)
{
    /// <param name="requestToken">Fires on attention or when the client goes: ends a stalled commit or rollback.</param>
    public async Task RunAsync(ReadOnlyMemory<byte> payload, TdsResponseWriter writer, CancellationToken requestToken)
    {
        var reader = new TdsPayloadReader(payload);
        AllHeaders.Read(reader);
        var request = TransactionRequest.Parse(reader);
        var error = request.Type switch
        {
            TransactionRequest.Begin => await BeginAsync(writer),
            TransactionRequest.Commit => await CommitAsync(request, writer, requestToken),
            TransactionRequest.Rollback => await RollbackAsync(request, writer, requestToken),
            TransactionRequest.Save => Save(request),
            _ => new TdsError(50000, $"TdsServer: transaction manager request type {request.Type} is not supported.", 16),
        };
        if (error is not null)
        {
            await writer.WriteErrorAsync(error);
        }

        await writer.WriteDoneAsync(TdsTokenType.Done, error is null ? TdsDoneStatus.Final : TdsDoneStatus.Error, 0, 0);
    }

    private async Task<TdsError?> BeginAsync(TdsResponseWriter writer)
    {
        if (state.TransactionDescriptor is not null)
        {
            return new TdsError(50000, "TdsServer: nested BEGIN TRANSACTION is not supported.", 16);
        }

        var descriptor = server.NextTransactionDescriptor();
        state.Begin(descriptor);
        server.Counters.TransactionBegun();
        await writer.WriteEnvChangeAsync(TdsEnvChangeType.BeginTransaction, BitConverter.GetBytes(descriptor), ReadOnlyMemory<byte>.Empty);
        return null;
    }

    private async Task<TdsError?> CommitAsync(TransactionRequest request, TdsResponseWriter writer, CancellationToken requestToken)
    {
        if (state.TransactionDescriptor is not { } descriptor)
        {
            return new TdsError(3902, "The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.", 16);
        }

        var fault = server.Faults.TakeCommitFault();
        switch (fault)
        {
            case TdsCommitFault.DropBeforeCommitting:
                throw new TdsConnectionDroppedException(); // the session's end rolls the transaction back
            case TdsCommitFault.StallBeforeCommitting:
                await Task.Delay(Timeout.Infinite, requestToken); // attention or the client going ends it
                break;
        }

        state.EndTransaction();
        server.EndTransaction(descriptor, state.SessionId, committed: true);
        switch (fault)
        {
            case TdsCommitFault.DropAfterCommitting:
                throw new TdsConnectionDroppedException();
            case TdsCommitFault.StallAfterCommitting:
                await Task.Delay(Timeout.Infinite, requestToken);
                break;
        }

        await writer.WriteEnvChangeAsync(TdsEnvChangeType.CommitTransaction, ReadOnlyMemory<byte>.Empty, BitConverter.GetBytes(descriptor));
        return request.BeginAfterwards ? await BeginAsync(writer) : null;
    }

    private async Task<TdsError?> RollbackAsync(TransactionRequest request, TdsResponseWriter writer, CancellationToken requestToken)
    {
        if (state.TransactionDescriptor is not { } descriptor)
        {
            return new TdsError(3903, "The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.", 16);
        }

        if (request.Name.Length > 0 && state.HasSavepoint(request.Name))
        {
            return null; // back to a savepoint: the transaction stays open
        }

        state.EndTransaction();
        server.EndTransaction(descriptor, state.SessionId, committed: false);
        if (server.Faults.TakeRollbackStall())
        {
            await Task.Delay(Timeout.Infinite, requestToken);
        }

        await writer.WriteEnvChangeAsync(TdsEnvChangeType.RollbackTransaction, ReadOnlyMemory<byte>.Empty, BitConverter.GetBytes(descriptor));
        return request.BeginAfterwards ? await BeginAsync(writer) : null;
    }

    private TdsError? Save(TransactionRequest request)
    {
        if (state.TransactionDescriptor is null)
        {
            return new TdsError(628, "Cannot issue SAVE TRANSACTION when there is no active transaction.", 16);
        }

        state.Save(request.Name);
        return null;
    }
}
