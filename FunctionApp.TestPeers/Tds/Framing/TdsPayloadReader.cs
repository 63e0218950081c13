using System.Buffers.Binary;
using System.Text;

namespace AzureSqlFunctions.TestPeers.Tds.Framing;

/// <summary>A little-endian cursor over a reassembled message payload.</summary>
internal sealed class TdsPayloadReader(ReadOnlyMemory<byte> payload)
{
    private readonly ReadOnlyMemory<byte> _payload = payload;

    public int Position { get; set; }

    public int Remaining => _payload.Length - Position;

    public ReadOnlySpan<byte> Span => _payload.Span;

    public byte ReadByte() => Take(1)[0];

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public ushort ReadUInt16BigEndian() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public short ReadInt16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public uint ReadUInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public byte[] ReadBytes(int count) => Take(count).ToArray();

    public string ReadUnicode(int characters) => Encoding.Unicode.GetString(Take(characters * 2));

    public string ReadBVarChar() => ReadUnicode(ReadByte());

    public void Skip(int count) => Take(count);

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new TdsProtocolException($"message ends early: wanted {count} bytes at {Position}, {Remaining} left");
        }

        var span = _payload.Span.Slice(Position, count);
        Position += count;
        return span;
    }
}
