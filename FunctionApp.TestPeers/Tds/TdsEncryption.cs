namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>What the client asks for; the server supports all three.</summary>
public enum TdsEncryption
{
    /// <summary><c>Encrypt=False</c>: the server answers NOT_SUP and nothing is encrypted.</summary>
    Off,

    /// <summary><c>Encrypt=True</c>: TDS 7.4 with TLS 1.2 negotiated inside PRELOGIN packets.</summary>
    Mandatory,

    /// <summary><c>Encrypt=Strict</c>: TDS 8, TLS first (ALPN tds/8.0), then all of TDS inside it.</summary>
    Strict,
}
