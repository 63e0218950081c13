using System.Buffers.Binary;

namespace AzureSqlFunctions.TestPeers.Tds.Framing;

/// <summary>
/// Reads whole client messages (packets up to EOM) and writes server messages split into packets.
/// One reader and one writer may use it at the same time (attention arrives while results stream).
/// </summary>
internal sealed class TdsPacketStream(Stream stream, ushort spid)
{
    public const int HeaderLength = 8;

    /// <summary>Server packets stay at the login packet size, which is never above what ENVCHANGE 4 grants.</summary>
    public const int ServerPacketSize = 4096;

    private readonly byte[] _header = new byte[HeaderLength];
    private byte _outgoingPacketId;

    public Stream Stream { get; set; } = stream;

    public ushort Spid { get; } = spid;

    /// <summary>Next message, or null when the client closed the connection cleanly between messages.</summary>
    public async Task<TdsMessage?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        var payload = new MemoryStream();
        byte? type = null;
        byte firstStatus = 0;
        while (true)
        {
            if (!await ReadExactlyOrEndAsync(_header, cancellationToken))
            {
                return type is null ? null : throw new TdsProtocolException("connection closed inside a message");
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2, 2));
            if (length < HeaderLength)
            {
                throw new TdsProtocolException($"packet length {length} is shorter than its header");
            }

            if (type is null)
            {
                type = _header[0];
                firstStatus = _header[1];
            }

            var body = new byte[length - HeaderLength];
            if (!await ReadExactlyOrEndAsync(body, cancellationToken))
            {
                throw new TdsProtocolException("connection closed inside a packet");
            }

            payload.Write(body);
            if ((_header[1] & TdsPacketStatus.EndOfMessage) != 0)
            {
                return new TdsMessage(type.Value, firstStatus, payload.ToArray());
            }
        }
    }

    /// <summary>Writes one packet; <paramref name="endOfMessage"/> marks the last packet of a message.</summary>
    public async Task WritePacketAsync(byte type, ReadOnlyMemory<byte> payload, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (payload.Length > ServerPacketSize - HeaderLength)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), "payload exceeds one packet");
        }

        var packet = new byte[HeaderLength + payload.Length];
        packet[0] = type;
        packet[1] = endOfMessage ? TdsPacketStatus.EndOfMessage : (byte)0;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2, 2), (ushort)packet.Length);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(4, 2), Spid);
        packet[6] = _outgoingPacketId++;
        payload.CopyTo(packet.AsMemory(HeaderLength));
        await Stream.WriteAsync(packet, cancellationToken);
        await Stream.FlushAsync(cancellationToken);
    }

    /// <summary>Writes a whole message, split into as many packets as it needs.</summary>
    public async Task WriteMessageAsync(byte type, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        const int chunk = ServerPacketSize - HeaderLength;
        var offset = 0;
        do
        {
            var size = Math.Min(chunk, payload.Length - offset);
            await WritePacketAsync(type, payload.Slice(offset, size), offset + size == payload.Length, cancellationToken);
            offset += size;
        }
        while (offset < payload.Length);
    }

    private async Task<bool> ReadExactlyOrEndAsync(byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var count = await Stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (count == 0)
            {
                return read == 0 ? false : throw new TdsProtocolException("connection closed inside a packet header");
            }

            read += count;
        }

        return true;
    }
}
