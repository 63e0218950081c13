namespace AzureSqlFunctions.TestPeers.Tds.Framing;

/// <summary>A client message reassembled from its packets; <see cref="FirstStatus"/> carries the reset bits.</summary>
internal sealed record TdsMessage(byte Type, byte FirstStatus, ReadOnlyMemory<byte> Payload)
{
    public bool ResetsConnection =>
        (FirstStatus & (TdsPacketStatus.ResetConnection | TdsPacketStatus.ResetConnectionSkipTransaction)) != 0;

    public bool KeepsTransaction => (FirstStatus & TdsPacketStatus.ResetConnectionSkipTransaction) != 0;
}
