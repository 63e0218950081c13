namespace AzureSqlFunctions.TestPeers.Tds.Types;

/// <summary>TYPE_INFO type bytes (MS-TDS 2.2.5.4).</summary>
internal static class TdsTypeId
{
    // Fixed length.
    public const byte TinyInt = 0x30;
    public const byte Bit = 0x32;
    public const byte SmallInt = 0x34;
    public const byte Int = 0x38;
    public const byte SmallDateTime = 0x3A;
    public const byte Real = 0x3B;
    public const byte Money = 0x3C;
    public const byte DateTime = 0x3D;
    public const byte Float = 0x3E;
    public const byte SmallMoney = 0x7A;
    public const byte BigInt = 0x7F;

    // Variable length.
    public const byte Guid = 0x24;
    public const byte IntN = 0x26;
    public const byte DateN = 0x28;
    public const byte TimeN = 0x29;
    public const byte DateTime2N = 0x2A;
    public const byte DateTimeOffsetN = 0x2B;
    public const byte BitN = 0x68;
    public const byte DecimalN = 0x6A;
    public const byte NumericN = 0x6C;
    public const byte FloatN = 0x6D;
    public const byte MoneyN = 0x6E;
    public const byte DateTimeN = 0x6F;
    public const byte Image = 0x22;
    public const byte Text = 0x23;
    public const byte NText = 0x63;
    public const byte BigVarBinary = 0xA5;
    public const byte BigVarChar = 0xA7;
    public const byte BigBinary = 0xAD;
    public const byte BigChar = 0xAF;
    public const byte NVarChar = 0xE7;
    public const byte NChar = 0xEF;
    public const byte Xml = 0xF1;

    /// <summary>Max length marking a (max) type whose values travel as PLP.</summary>
    public const ushort MaxLengthPlp = 0xFFFF;

    /// <summary>UserType SQL Server reports for a timestamp/rowversion column.</summary>
    public const uint TimestampUserType = 0x0050;
}
