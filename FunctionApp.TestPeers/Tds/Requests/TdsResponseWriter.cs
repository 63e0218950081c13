using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Tokens;
using AzureSqlFunctions.TestPeers.Tds.Types;

namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>
/// Streams one response message: tokens fill 4096-byte packets that go out as soon as they are full, so a
/// long result is cut short by attention between rows. <see cref="EndAsync"/> sends the last packet with EOM.
/// Methods take the request's token (attention) and only check it between rows; socket writes use the
/// session's token so that a packet is never abandoned half-written.
/// </summary>
internal sealed class TdsResponseWriter(TdsPacketStream packets, Func<int?> takeDropAfterRows, CancellationToken sessionToken)
{
    private const int PayloadPerPacket = TdsPacketStream.ServerPacketSize - TdsPacketStream.HeaderLength;

    private readonly byte[] _packet = new byte[PayloadPerPacket];
    private readonly TdsBuffer _tokens = new();
    private int _filled;
    private bool _sentAnything;

    /// <summary>Set when an error of severity 20 or more was written: the server closes the connection after it.</summary>
    public bool IsFatal { get; private set; }

    /// <summary>ERROR tokens written so far in this response.</summary>
    public int ErrorCount { get; private set; }

    /// <summary>Writes the parts of a response; every DONE-family token carries MORE unless it is the request's last.</summary>
    /// <param name="doneToken">DONE for a SQL batch, DONEINPROC inside an RPC.</param>
    /// <param name="isLastInRequest">Whether the final DONE of these parts ends the whole request.</param>
    public async Task WritePartsAsync(IReadOnlyList<TdsResponsePart> parts, byte doneToken, bool isLastInRequest, CancellationToken cancellationToken)
    {
        for (var i = 0; i < parts.Count; i++)
        {
            var more = !(isLastInRequest && i == parts.Count - 1) ? TdsDoneStatus.More : TdsDoneStatus.Final;
            switch (parts[i])
            {
                case TdsResultSet resultSet:
                    var (rows, failed) = await WriteResultSetAsync(resultSet, cancellationToken);
                    var status = more | TdsDoneStatus.Count | (failed ? TdsDoneStatus.Error : 0);
                    await WriteDoneAsync(doneToken, (ushort)status, TdsDoneStatus.SelectCommand, rows);
                    break;
                case TdsRowsAffected affected:
                    await WriteDoneAsync(doneToken, (ushort)(more | TdsDoneStatus.Count), TdsDoneStatus.UpdateCommand, (ulong)affected.Rows);
                    break;
                case TdsError error:
                    await WriteErrorAsync(error);
                    await WriteDoneAsync(doneToken, (ushort)(more | TdsDoneStatus.Error), 0, 0);
                    break;
                default:
                    throw new ArgumentException($"unknown response part {parts[i].GetType().Name}", nameof(parts));
            }
        }
    }

    public async Task WriteErrorAsync(TdsError error)
    {
        ErrorCount++;
        IsFatal |= error.Severity >= 20;
        TdsTokenWriter.Error(_tokens, error.Number, error.State, error.Severity, error.Message);
        await AppendTokensAsync();
    }

    public async Task WriteDoneAsync(byte token, ushort status, ushort command, ulong rows)
    {
        TdsTokenWriter.Done(_tokens, token, status, command, rows);
        await AppendTokensAsync();
    }

    public async Task WriteReturnStatusAsync(int value)
    {
        TdsTokenWriter.ReturnStatus(_tokens, value);
        await AppendTokensAsync();
    }

    public async Task WriteEnvChangeAsync(byte type, ReadOnlyMemory<byte> newValue, ReadOnlyMemory<byte> oldValue)
    {
        TdsTokenWriter.EnvChangeBytes(_tokens, type, newValue.Span, oldValue.Span);
        await AppendTokensAsync();
    }

    /// <summary>Sends what is left with EOM. A response that produced nothing sends nothing.</summary>
    public async Task EndAsync()
    {
        if (_filled == 0 && !_sentAnything)
        {
            return;
        }

        await packets.WritePacketAsync(TdsPacketType.TabularResult, _packet.AsMemory(0, _filled), true, sessionToken);
        _filled = 0;
        _sentAnything = false;
    }

    /// <summary>
    /// COLMETADATA and rows. A row that cannot be produced or encoded (the handler's enumerator threw, a value does
    /// not fit its column) ends the result set with an ERROR, as SQL Server does for a failure mid-rowset.
    /// </summary>
    private async Task<(ulong Rows, bool Failed)> WriteResultSetAsync(TdsResultSet resultSet, CancellationToken cancellationToken)
    {
        var dropAfterRows = takeDropAfterRows();
        TdsRowWriter.WriteColumnMetadata(_tokens, resultSet.Columns);
        await AppendTokensAsync();
        ulong count = 0;
        using var rows = resultSet.Rows.GetEnumerator();
        while (true)
        {
            // Attention is honoured between rows, so the stream always ends on a whole token.
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                if (!rows.MoveNext())
                {
                    break;
                }

                TdsRowWriter.WriteRow(_tokens, resultSet.Columns, rows.Current, _filled);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                _tokens.Clear(); // drop the half-written row
                await WriteErrorAsync(new TdsError(50000, $"TdsServer: row {count + 1} of a result set failed: {exception.GetType().Name}: {exception.Message}"));
                return (count, true);
            }

            await AppendTokensAsync();
            count++;
            if (dropAfterRows is { } dropAfter && count >= (ulong)dropAfter)
            {
                await DropAsync();
            }
        }

        if (dropAfterRows is not null)
        {
            await DropAsync();
        }

        return (count, false);
    }

    /// <summary>Sends the rows so far without EOM, then ends the session: the client sees a broken stream.</summary>
    private async Task DropAsync()
    {
        await packets.WritePacketAsync(TdsPacketType.TabularResult, _packet.AsMemory(0, _filled), false, sessionToken);
        throw new TdsConnectionDroppedException();
    }

    private async Task AppendTokensAsync()
    {
        var source = _tokens.Written;
        while (source.Length > 0)
        {
            var size = Math.Min(source.Length, PayloadPerPacket - _filled);
            source[..size].CopyTo(_packet.AsMemory(_filled));
            _filled += size;
            source = source[size..];
            if (_filled == PayloadPerPacket)
            {
                await packets.WritePacketAsync(TdsPacketType.TabularResult, _packet, false, sessionToken);
                _filled = 0;
                _sentAnything = true;
            }
        }

        _tokens.Clear();
    }
}
