namespace AzureSqlFunctions.TestPeers.Tds.Tokens;

/// <summary>Server token identifiers (MS-TDS 2.2.7).</summary>
internal static class TdsTokenType
{
    public const byte ReturnStatus = 0x79;
    public const byte ColMetadata = 0x81;
    public const byte LoginAck = 0xAD;
    public const byte Error = 0xAA;
    public const byte Info = 0xAB;
    public const byte FeatureExtAck = 0xAE;
    public const byte Row = 0xD1;
    public const byte EnvChange = 0xE3;
    public const byte FedAuthInfo = 0xEE;
    public const byte Done = 0xFD;
    public const byte DoneProc = 0xFE;
    public const byte DoneInProc = 0xFF;
}
