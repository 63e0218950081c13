using System.Buffers.Binary;
using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Transport;

/// <summary>
/// The stream under SslStream for TDS 7.x encryption: during the TLS handshake the TLS bytes travel as the
/// payload of PRELOGIN packets; once <see cref="Passthrough"/> is set, TLS records go on the socket as they are.
/// </summary>
internal sealed class TlsOverTdsStream(Stream inner) : Stream
{
    private readonly byte[] _header = new byte[TdsPacketStream.HeaderLength];
    private int _remainingInPacket;

    public bool Passthrough { get; set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Passthrough)
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }

        if (_remainingInPacket == 0)
        {
            await inner.ReadExactlyAsync(_header, cancellationToken);
            if (_header[0] != TdsPacketType.PreLogin)
            {
                throw new TdsProtocolException($"expected a PRELOGIN packet carrying TLS, got type {_header[0]:X2}");
            }

            _remainingInPacket = BinaryPrimitives.ReadUInt16BigEndian(_header.AsSpan(2, 2)) - TdsPacketStream.HeaderLength;
        }

        var count = await inner.ReadAsync(buffer[..Math.Min(buffer.Length, _remainingInPacket)], cancellationToken);
        _remainingInPacket -= count;
        return count;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Passthrough)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }

        const int chunk = TdsPacketStream.ServerPacketSize - TdsPacketStream.HeaderLength;
        for (var offset = 0; offset < buffer.Length; offset += chunk)
        {
            var size = Math.Min(chunk, buffer.Length - offset);
            var packet = new byte[TdsPacketStream.HeaderLength + size];
            packet[0] = TdsPacketType.PreLogin;
            packet[1] = offset + size == buffer.Length ? TdsPacketStatus.EndOfMessage : (byte)0;
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2, 2), (ushort)packet.Length);
            buffer.Slice(offset, size).CopyTo(packet.AsMemory(TdsPacketStream.HeaderLength));
            await inner.WriteAsync(packet, cancellationToken);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
