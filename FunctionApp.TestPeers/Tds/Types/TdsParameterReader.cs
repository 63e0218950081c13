using System.Text;
using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Types;

/// <summary>Reads RPC parameter TYPE_INFO and values (MS-TDS 2.2.5.4 / 2.2.6.6) into CLR values.</summary>
internal static class TdsParameterReader
{
    private const ulong PlpNull = ulong.MaxValue;

    public static TdsTypeInfo ReadTypeInfo(TdsPayloadReader reader)
    {
        var type = reader.ReadByte();
        switch (type)
        {
            case TdsTypeId.TinyInt or TdsTypeId.Bit:
                return new TdsTypeInfo(type, 1, 0, 0);
            case TdsTypeId.SmallInt:
                return new TdsTypeInfo(type, 2, 0, 0);
            case TdsTypeId.Int or TdsTypeId.Real or TdsTypeId.SmallMoney or TdsTypeId.SmallDateTime:
                return new TdsTypeInfo(type, 4, 0, 0);
            case TdsTypeId.BigInt or TdsTypeId.Float or TdsTypeId.Money or TdsTypeId.DateTime:
                return new TdsTypeInfo(type, 8, 0, 0);
            case TdsTypeId.Guid or TdsTypeId.IntN or TdsTypeId.BitN or TdsTypeId.FloatN or TdsTypeId.MoneyN or TdsTypeId.DateTimeN:
                return new TdsTypeInfo(type, reader.ReadByte(), 0, 0);
            case TdsTypeId.DecimalN or TdsTypeId.NumericN:
                return new TdsTypeInfo(type, reader.ReadByte(), reader.ReadByte(), reader.ReadByte());
            case TdsTypeId.DateN:
                return new TdsTypeInfo(type, 3, 0, 0);
            case TdsTypeId.TimeN or TdsTypeId.DateTime2N or TdsTypeId.DateTimeOffsetN:
                return new TdsTypeInfo(type, 0, 0, reader.ReadByte());
            case TdsTypeId.BigVarBinary or TdsTypeId.BigBinary:
                return new TdsTypeInfo(type, reader.ReadUInt16(), 0, 0);
            case TdsTypeId.BigVarChar or TdsTypeId.BigChar or TdsTypeId.NVarChar or TdsTypeId.NChar:
                var length = reader.ReadUInt16();
                reader.Skip(5); // collation
                return new TdsTypeInfo(type, length, 0, 0);
            case TdsTypeId.NText or TdsTypeId.Text:
                var longLength = (int)Math.Min(reader.ReadUInt32(), int.MaxValue);
                reader.Skip(5);
                return new TdsTypeInfo(type, longLength, 0, 0);
            case TdsTypeId.Image:
                return new TdsTypeInfo(type, (int)Math.Min(reader.ReadUInt32(), int.MaxValue), 0, 0);
            case TdsTypeId.Xml:
                SkipXmlSchema(reader);
                return new TdsTypeInfo(type, TdsTypeId.MaxLengthPlp, 0, 0);
            default:
                throw new TdsProtocolException($"parameter type 0x{type:X2} is not supported by this peer");
        }
    }

    public static object? ReadValue(TdsPayloadReader reader, TdsTypeInfo info)
    {
        switch (info.Type)
        {
            case TdsTypeId.TinyInt or TdsTypeId.SmallInt or TdsTypeId.Int or TdsTypeId.BigInt:
                return ReadInteger(reader, info.MaxLength);
            case TdsTypeId.Bit:
                return reader.ReadByte() != 0;
            case TdsTypeId.Real or TdsTypeId.Float:
                return ReadFloat(reader, info.MaxLength);
            case TdsTypeId.Money or TdsTypeId.SmallMoney:
                return ReadMoney(reader, info.MaxLength);
            case TdsTypeId.DateTime or TdsTypeId.SmallDateTime:
                return TdsScalarCodec.ReadDateTime(reader, info.MaxLength);
            case TdsTypeId.Xml:
                return ReadPlp(reader) is { } xml ? Encoding.Unicode.GetString(xml) : null;
        }

        if (info.IsPlp)
        {
            var bytes = ReadPlp(reader);
            return bytes is null ? null : Decode(info.Type, bytes);
        }

        if (info.Type is TdsTypeId.NText or TdsTypeId.Text or TdsTypeId.Image)
        {
            var longLength = reader.ReadUInt32();
            return longLength == uint.MaxValue ? null : Decode(info.Type, reader.ReadBytes((int)longLength));
        }

        if (info.Type is TdsTypeId.BigVarBinary or TdsTypeId.BigBinary or TdsTypeId.BigVarChar or TdsTypeId.BigChar
            or TdsTypeId.NVarChar or TdsTypeId.NChar)
        {
            var shortLength = reader.ReadUInt16();
            return shortLength == 0xFFFF ? null : Decode(info.Type, reader.ReadBytes(shortLength));
        }

        var length = reader.ReadByte();
        if (length == 0)
        {
            return null;
        }

        return info.Type switch
        {
            TdsTypeId.IntN => ReadInteger(reader, length),
            TdsTypeId.BitN => reader.ReadByte() != 0,
            TdsTypeId.FloatN => ReadFloat(reader, length),
            TdsTypeId.MoneyN => ReadMoney(reader, length),
            TdsTypeId.DateTimeN => TdsScalarCodec.ReadDateTime(reader, length),
            TdsTypeId.DecimalN or TdsTypeId.NumericN => TdsScalarCodec.ReadDecimal(reader, length, info.Precision, info.Scale),
            TdsTypeId.Guid => new Guid(reader.ReadBytes(16)),
            TdsTypeId.DateN => TdsScalarCodec.ReadDate(reader),
            TdsTypeId.TimeN => TdsScalarCodec.ReadTime(reader, length, info.Scale),
            TdsTypeId.DateTime2N => TdsScalarCodec.ReadDateTime2(reader, length, info.Scale),
            TdsTypeId.DateTimeOffsetN => TdsScalarCodec.ReadDateTimeOffset(reader, length, info.Scale),
            _ => throw new TdsProtocolException($"no value reader for type 0x{info.Type:X2}"),
        };
    }

    // Boxed on purpose: the CLR type (byte, short, int, long) tells a test which SQL integer type was sent.
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1859", Justification = "The boxed type is the point.")]
    private static object ReadInteger(TdsPayloadReader reader, int length) => length switch
    {
        // Each arm boxed on its own: otherwise the switch widens them all to long.
        1 => (object)reader.ReadByte(),
        2 => (object)reader.ReadInt16(),
        4 => (object)reader.ReadInt32(),
        8 => (object)reader.ReadInt64(),
        _ => throw new TdsProtocolException($"integer of {length} bytes"),
    };

    private static object ReadFloat(TdsPayloadReader reader, int length) => length == 4
        ? (object)BitConverter.Int32BitsToSingle(reader.ReadInt32())
        : (object)BitConverter.Int64BitsToDouble(reader.ReadInt64());

    private static decimal ReadMoney(TdsPayloadReader reader, int length)
    {
        if (length == 4)
        {
            return reader.ReadInt32() / 10000m;
        }

        var high = (long)reader.ReadInt32();
        var low = reader.ReadUInt32();
        return ((high << 32) | low) / 10000m;
    }

    private static object Decode(byte type, byte[] bytes) => type switch
    {
        TdsTypeId.NVarChar or TdsTypeId.NChar or TdsTypeId.NText => Encoding.Unicode.GetString(bytes),
        TdsTypeId.BigVarChar or TdsTypeId.BigChar or TdsTypeId.Text => Encoding.Latin1.GetString(bytes),
        _ => bytes,
    };

    /// <summary>PLP: total length (u64, all ones for NULL), then chunks of u32 length ended by a zero chunk.</summary>
    private static byte[]? ReadPlp(TdsPayloadReader reader)
    {
        if (reader.ReadUInt64() == PlpNull)
        {
            return null;
        }

        var value = new MemoryStream();
        while (reader.ReadUInt32() is var chunk && chunk != 0)
        {
            value.Write(reader.ReadBytes((int)chunk));
        }

        return value.ToArray();
    }

    private static void SkipXmlSchema(TdsPayloadReader reader)
    {
        if (reader.ReadByte() == 0)
        {
            return;
        }

        reader.ReadBVarChar();
        reader.ReadBVarChar();
        reader.ReadUnicode(reader.ReadUInt16());
    }
}
