using System.Data.SqlTypes;
using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds.Types;

/// <summary>Byte forms of decimal and date/time values, shared by parameter reading and row writing.</summary>
internal static class TdsScalarCodec
{
    private static readonly DateTime s_dateZero = new(1, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);

    /// <summary>Bytes of the time part for a fractional-second scale (MS-TDS 2.2.5.5.1.8).</summary>
    public static int TimeLength(byte scale) => scale <= 2 ? 3 : scale <= 4 ? 4 : 5;

    public static void WriteDecimal(TdsBuffer buffer, decimal value, byte precision, byte scale)
    {
        var adjusted = SqlDecimal.ConvertToPrecScale(new SqlDecimal(value), precision, scale);
        buffer.WriteByte(17);
        buffer.WriteByte(adjusted.IsPositive ? (byte)1 : (byte)0);
        foreach (var part in adjusted.Data)
        {
            buffer.WriteInt32(part);
        }
    }

    public static decimal ReadDecimal(TdsPayloadReader reader, int length, byte precision, byte scale)
    {
        var positive = reader.ReadByte() == 1;
        var data = new int[4];
        for (var i = 0; i < (length - 1) / 4; i++)
        {
            data[i] = reader.ReadInt32();
        }

        return new SqlDecimal(precision, scale, positive, data).Value;
    }

    /// <summary>datetime: days since 1900-01-01 and 1/300 s ticks, rounded exactly as SqlClient rounds them.</summary>
    public static void WriteDateTime(TdsBuffer buffer, DateTime value)
    {
        var sql = new SqlDateTime(value);
        buffer.WriteByte(8);
        buffer.WriteInt32(sql.DayTicks);
        buffer.WriteInt32(sql.TimeTicks);
    }

    public static DateTime ReadDateTime(TdsPayloadReader reader, int length)
    {
        if (length == 4)
        {
            var days = reader.ReadUInt16();
            var minutes = reader.ReadUInt16();
            return new DateTime(1900, 1, 1, 0, 0, 0, DateTimeKind.Unspecified).AddDays(days).AddMinutes(minutes);
        }

        var dayTicks = reader.ReadInt32();
        var timeTicks = reader.ReadInt32();
        return new SqlDateTime(dayTicks, timeTicks).Value;
    }

    public static void WriteDateTime2(TdsBuffer buffer, DateTime value, byte scale)
    {
        buffer.WriteByte((byte)(TimeLength(scale) + 3));
        WriteTime(buffer, value.TimeOfDay, scale);
        WriteDate(buffer, value);
    }

    public static void WriteDateTimeOffset(TdsBuffer buffer, DateTimeOffset value, byte scale)
    {
        buffer.WriteByte((byte)(TimeLength(scale) + 5));
        var utc = value.UtcDateTime;
        WriteTime(buffer, utc.TimeOfDay, scale);
        WriteDate(buffer, utc);
        buffer.WriteInt16((short)value.Offset.TotalMinutes);
    }

    public static TimeSpan ReadTime(TdsPayloadReader reader, int length, byte scale)
    {
        ulong units = 0;
        for (var i = 0; i < length; i++)
        {
            units |= (ulong)reader.ReadByte() << (8 * i);
        }

        return TimeSpan.FromTicks((long)units * TicksPerUnit(scale));
    }

    public static DateTime ReadDate(TdsPayloadReader reader)
    {
        var days = reader.ReadByte() | (reader.ReadByte() << 8) | (reader.ReadByte() << 16);
        return s_dateZero.AddDays(days);
    }

    public static DateTime ReadDateTime2(TdsPayloadReader reader, int length, byte scale)
    {
        var time = ReadTime(reader, length - 3, scale);
        return ReadDate(reader) + time;
    }

    public static DateTimeOffset ReadDateTimeOffset(TdsPayloadReader reader, int length, byte scale)
    {
        var time = ReadTime(reader, length - 5, scale);
        var date = ReadDate(reader);
        var offset = TimeSpan.FromMinutes(reader.ReadInt16());
        var utc = new DateTimeOffset(date + time, TimeSpan.Zero);
        return utc.ToOffset(offset);
    }

    private static void WriteTime(TdsBuffer buffer, TimeSpan time, byte scale)
    {
        var units = (ulong)(time.Ticks / TicksPerUnit(scale));
        for (var i = 0; i < TimeLength(scale); i++)
        {
            buffer.WriteByte((byte)(units >> (8 * i)));
        }
    }

    private static void WriteDate(TdsBuffer buffer, DateTime value)
    {
        var days = (int)(value.Date - s_dateZero).TotalDays;
        buffer.WriteByte((byte)days);
        buffer.WriteByte((byte)(days >> 8));
        buffer.WriteByte((byte)(days >> 16));
    }

    private static long TicksPerUnit(byte scale)
    {
        long ticks = 1;
        for (var i = scale; i < 7; i++)
        {
            ticks *= 10;
        }

        return ticks;
    }
}
