namespace AzureSqlFunctions.TestPeers.Tds.Tokens;

/// <summary>ENVCHANGE types this peer sends (never 3, 5 or 6, which SqlClient rejects from a modern server).</summary>
internal static class TdsEnvChangeType
{
    public const byte Database = 1;
    public const byte Language = 2;
    public const byte PacketSize = 4;
    public const byte Collation = 7;
    public const byte BeginTransaction = 8;
    public const byte CommitTransaction = 9;
    public const byte RollbackTransaction = 10;
    public const byte ResetConnectionAck = 18;
}
