using System.Buffers.Binary;
using System.Text;
using AzureSqlFunctions.TestPeers.Tds.Framing;
using AzureSqlFunctions.TestPeers.Tds.Tokens;

namespace AzureSqlFunctions.TestPeers.Tds.Types;

/// <summary>Writes COLMETADATA and ROW tokens for <see cref="TdsColumn"/>s (MS-TDS 2.2.7.4 / 2.2.7.19).</summary>
internal static class TdsRowWriter
{
    private const int PacketPayload = TdsPacketStream.ServerPacketSize - TdsPacketStream.HeaderLength;

    public static void WriteColumnMetadata(TdsBuffer buffer, IReadOnlyList<TdsColumn> columns)
    {
        buffer.WriteByte(TdsTokenType.ColMetadata);
        buffer.WriteUInt16((ushort)columns.Count);
        foreach (var column in columns)
        {
            var isRowVersion = column.Type == TdsColumnType.RowVersion;
            buffer.WriteUInt32(isRowVersion ? TdsTypeId.TimestampUserType : 0);
            buffer.WriteUInt16(column.Nullable && !isRowVersion ? (ushort)0x0001 : (ushort)0);
            WriteTypeInfo(buffer, column);
            buffer.WriteBVarChar(column.Name);
        }
    }

    /// <param name="packetOffset">Where in its packet the first byte of <paramref name="buffer"/> will go.</param>
    public static void WriteRow(TdsBuffer buffer, IReadOnlyList<TdsColumn> columns, object?[] row, int packetOffset)
    {
        if (row.Length != columns.Count)
        {
            throw new ArgumentException($"a row has {row.Length} values for {columns.Count} columns", nameof(row));
        }

        buffer.WriteByte(TdsTokenType.Row);
        for (var i = 0; i < columns.Count; i++)
        {
            var value = row[i] is DBNull ? null : row[i];
            WriteValue(buffer, columns[i], value, packetOffset);
        }
    }

    /// <summary>
    /// SQL Server describes NOT NULL int, bigint, bit and datetime columns with their fixed-length types, and
    /// SqlClient reads a non-nullable column of those types without a length prefix, so they must be sent that way.
    /// </summary>
    private static byte? FixedLengthType(TdsColumn column) => column.Nullable
        ? null
        : column.Type switch
        {
            TdsColumnType.Int => TdsTypeId.Int,
            TdsColumnType.BigInt => TdsTypeId.BigInt,
            TdsColumnType.Bit => TdsTypeId.Bit,
            TdsColumnType.DateTime => TdsTypeId.DateTime,
            _ => null,
        };

    private static void WriteTypeInfo(TdsBuffer buffer, TdsColumn column)
    {
        if (FixedLengthType(column) is { } fixedType)
        {
            buffer.WriteByte(fixedType);
            return;
        }

        switch (column.Type)
        {
            case TdsColumnType.Int:
                buffer.WriteBytes([TdsTypeId.IntN, 4]);
                break;
            case TdsColumnType.BigInt:
                buffer.WriteBytes([TdsTypeId.IntN, 8]);
                break;
            case TdsColumnType.Bit:
                buffer.WriteBytes([TdsTypeId.BitN, 1]);
                break;
            case TdsColumnType.Decimal:
                buffer.WriteBytes([TdsTypeId.NumericN, 17, column.DecimalPrecision, column.Scale]);
                break;
            case TdsColumnType.DateTime:
                buffer.WriteBytes([TdsTypeId.DateTimeN, 8]);
                break;
            case TdsColumnType.DateTime2:
                buffer.WriteBytes([TdsTypeId.DateTime2N, column.TimeScale]);
                break;
            case TdsColumnType.DateTimeOffset:
                buffer.WriteBytes([TdsTypeId.DateTimeOffsetN, column.TimeScale]);
                break;
            case TdsColumnType.UniqueIdentifier:
                buffer.WriteBytes([TdsTypeId.Guid, 16]);
                break;
            case TdsColumnType.NVarChar or TdsColumnType.NVarCharMax:
                buffer.WriteByte(TdsTypeId.NVarChar);
                buffer.WriteUInt16(column.Type == TdsColumnType.NVarCharMax
                    ? TdsTypeId.MaxLengthPlp
                    : (ushort)((column.MaxLength == 0 ? 4000 : column.MaxLength) * 2));
                buffer.WriteBytes(TdsTokenWriter.Collation);
                break;
            case TdsColumnType.VarBinary or TdsColumnType.VarBinaryMax:
                buffer.WriteByte(TdsTypeId.BigVarBinary);
                buffer.WriteUInt16(column.Type == TdsColumnType.VarBinaryMax
                    ? TdsTypeId.MaxLengthPlp
                    : (ushort)(column.MaxLength == 0 ? 8000 : column.MaxLength));
                break;
            case TdsColumnType.RowVersion:
                buffer.WriteByte(TdsTypeId.BigBinary);
                buffer.WriteUInt16(8);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(column), column.Type, "unknown column type");
        }
    }

    private static void WriteValue(TdsBuffer buffer, TdsColumn column, object? value, int packetOffset)
    {
        if (value is null)
        {
            WriteNull(buffer, column);
            return;
        }

        if (FixedLengthType(column) is not null)
        {
            WriteFixedLength(buffer, column, value);
            return;
        }

        switch (column.Type)
        {
            case TdsColumnType.Int:
                buffer.WriteByte(4);
                buffer.WriteInt32(Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case TdsColumnType.BigInt:
                buffer.WriteByte(8);
                buffer.WriteUInt64(unchecked((ulong)Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture)));
                break;
            case TdsColumnType.Bit:
                buffer.WriteByte(1);
                buffer.WriteByte((bool)value ? (byte)1 : (byte)0);
                break;
            case TdsColumnType.Decimal:
                TdsScalarCodec.WriteDecimal(buffer, Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture), column.DecimalPrecision, column.Scale);
                break;
            case TdsColumnType.DateTime:
                TdsScalarCodec.WriteDateTime(buffer, (DateTime)value);
                break;
            case TdsColumnType.DateTime2:
                TdsScalarCodec.WriteDateTime2(buffer, (DateTime)value, column.TimeScale);
                break;
            case TdsColumnType.DateTimeOffset:
                TdsScalarCodec.WriteDateTimeOffset(buffer, (DateTimeOffset)value, column.TimeScale);
                break;
            case TdsColumnType.UniqueIdentifier:
                buffer.WriteByte(16);
                buffer.WriteBytes(((Guid)value).ToByteArray());
                break;
            case TdsColumnType.NVarChar:
                WriteShortBytes(buffer, Encoding.Unicode.GetBytes((string)value));
                break;
            case TdsColumnType.NVarCharMax:
                WritePlp(buffer, Encoding.Unicode.GetBytes((string)value), packetOffset);
                break;
            case TdsColumnType.VarBinary:
                WriteShortBytes(buffer, (byte[])value);
                break;
            case TdsColumnType.VarBinaryMax:
                WritePlp(buffer, (byte[])value, packetOffset);
                break;
            case TdsColumnType.RowVersion:
                WriteShortBytes(buffer, RowVersionBytes(value));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(column), column.Type, "unknown column type");
        }
    }

    private static void WriteFixedLength(TdsBuffer buffer, TdsColumn column, object value)
    {
        var scratch = new TdsBuffer();
        WriteValue(scratch, column with { Nullable = true }, value, 0);
        buffer.WriteBytes(scratch.Written.Span[1..]); // the same bytes without the length prefix
    }

    private static void WriteNull(TdsBuffer buffer, TdsColumn column)
    {
        if (!column.Nullable || column.Type == TdsColumnType.RowVersion)
        {
            throw new ArgumentException($"column {column.Name} is NOT NULL but a row holds NULL", nameof(column));
        }

        switch (column.Type)
        {
            case TdsColumnType.NVarChar or TdsColumnType.VarBinary:
                buffer.WriteUInt16(0xFFFF);
                break;
            case TdsColumnType.NVarCharMax or TdsColumnType.VarBinaryMax:
                buffer.WriteUInt64(ulong.MaxValue);
                break;
            default:
                buffer.WriteByte(0);
                break;
        }
    }

    /// <summary>A rowversion given as <c>byte[8]</c>, or as a number written big-endian as SQL Server orders it.</summary>
    private static byte[] RowVersionBytes(object value)
    {
        if (value is byte[] { Length: 8 } bytes)
        {
            return bytes;
        }

        var number = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(number, Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture));
        return number;
    }

    private static void WriteShortBytes(TdsBuffer buffer, byte[] value)
    {
        buffer.WriteUInt16(checked((ushort)value.Length));
        buffer.WriteBytes(value);
    }

    /// <summary>
    /// PLP: total length, then chunks, then a zero chunk. Like SQL Server, each chunk ends where its packet ends:
    /// SqlClient's reader for long strings fails on a chunk that continues into the next packet.
    /// </summary>
    private static void WritePlp(TdsBuffer buffer, byte[] value, int packetOffset)
    {
        buffer.WriteUInt64((ulong)value.Length);
        var offset = 0;
        while (offset < value.Length)
        {
            var dataStart = (packetOffset + buffer.Length + 4) % PacketPayload;
            var space = PacketPayload - dataStart;
            var size = Math.Min(value.Length - offset, space < 2 ? space + PacketPayload : space);
            size -= size < value.Length - offset ? size % 2 : 0; // whole UTF-16 characters in each chunk
            buffer.WriteUInt32((uint)size);
            buffer.WriteBytes(value.AsSpan(offset, size));
            offset += size;
        }

        buffer.WriteUInt32(0);
    }
}
