namespace AzureSqlFunctions.TestPeers.Tds.Login;

/// <summary>PRELOGIN option tokens and ENCRYPT values (MS-TDS 2.2.6.5).</summary>
internal static class PreLoginOption
{
    public const byte Version = 0x00;
    public const byte Encryption = 0x01;
    public const byte Instance = 0x02;
    public const byte ThreadId = 0x03;
    public const byte Mars = 0x04;
    public const byte FedAuthRequired = 0x06;
    public const byte Terminator = 0xFF;

    public const byte EncryptOff = 0x00;
    public const byte EncryptOn = 0x01;
    public const byte EncryptNotSupported = 0x02;
    public const byte EncryptRequired = 0x03;
}
