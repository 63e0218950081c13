using System.Buffers.Binary;
using System.Text;

namespace AzureSqlFunctions.TestPeers.Tds.Framing;

/// <summary>A growable little-endian byte writer for TDS tokens and payloads.</summary>
internal sealed class TdsBuffer
{
    private byte[] _bytes = new byte[256];

    public int Length { get; private set; }

    public ReadOnlyMemory<byte> Written => _bytes.AsMemory(0, Length);

    public void Clear() => Length = 0;

    public void WriteByte(byte value) => Reserve(1)[0] = value;

    public void WriteUInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    public void WriteUInt16BigEndian(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Reserve(2), value);

    public void WriteInt16(short value) => BinaryPrimitives.WriteInt16LittleEndian(Reserve(2), value);

    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

    public void WriteUInt32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    public void WriteUInt32BigEndian(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Reserve(4), value);

    public void WriteUInt64(ulong value) => BinaryPrimitives.WriteUInt64LittleEndian(Reserve(8), value);

    public void WriteBytes(ReadOnlySpan<byte> value) => value.CopyTo(Reserve(value.Length));

    public void WriteUnicode(string value) => Encoding.Unicode.GetBytes(value, Reserve(Encoding.Unicode.GetByteCount(value)));

    /// <summary>B_VARCHAR: one-byte character count, then UTF-16LE.</summary>
    public void WriteBVarChar(string value)
    {
        WriteByte(checked((byte)value.Length));
        WriteUnicode(value);
    }

    /// <summary>US_VARCHAR: two-byte character count, then UTF-16LE.</summary>
    public void WriteUsVarChar(string value)
    {
        WriteUInt16(checked((ushort)value.Length));
        WriteUnicode(value);
    }

    /// <summary>B_VARBYTE: one-byte length, then the bytes.</summary>
    public void WriteBVarByte(ReadOnlySpan<byte> value)
    {
        WriteByte(checked((byte)value.Length));
        WriteBytes(value);
    }

    /// <summary>Reserves two bytes for a length written later with <see cref="PatchUInt16"/>.</summary>
    public int ReserveUInt16()
    {
        Reserve(2);
        return Length - 2;
    }

    public void PatchUInt16(int position, ushort value) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_bytes.AsSpan(position, 2), value);

    public void PatchUInt16BigEndian(int position, ushort value) =>
        BinaryPrimitives.WriteUInt16BigEndian(_bytes.AsSpan(position, 2), value);

    public void PatchUInt32(int position, uint value) =>
        BinaryPrimitives.WriteUInt32LittleEndian(_bytes.AsSpan(position, 4), value);

    private Span<byte> Reserve(int count)
    {
        if (Length + count > _bytes.Length)
        {
            Array.Resize(ref _bytes, Math.Max(_bytes.Length * 2, Length + count));
        }

        var span = _bytes.AsSpan(Length, count);
        Length += count;
        return span;
    }
}
