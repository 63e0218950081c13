namespace AzureSqlFunctions.TestPeers.Tds.Framing;

/// <summary>Packet header status bits (MS-TDS 2.2.3.1.2).</summary>
internal static class TdsPacketStatus
{
    public const byte EndOfMessage = 0x01;
    public const byte ResetConnection = 0x08;
    public const byte ResetConnectionSkipTransaction = 0x10;
}
