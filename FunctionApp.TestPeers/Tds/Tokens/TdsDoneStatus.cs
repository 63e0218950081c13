namespace AzureSqlFunctions.TestPeers.Tds.Tokens;

/// <summary>DONE status bits and the command codes SqlClient looks at.</summary>
internal static class TdsDoneStatus
{
    public const ushort Final = 0x0000;
    public const ushort More = 0x0001;
    public const ushort Error = 0x0002;
    public const ushort Count = 0x0010;
    public const ushort Attention = 0x0020;

    public const ushort SelectCommand = 0x00C1;
    public const ushort UpdateCommand = 0x00C5;
}
