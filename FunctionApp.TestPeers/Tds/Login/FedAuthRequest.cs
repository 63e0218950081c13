namespace AzureSqlFunctions.TestPeers.Tds.Login;

/// <summary>The LOGIN7 FEDAUTH feature: library 0x01 carries the token, library 0x02 asks for FEDAUTHINFO.</summary>
/// <param name="Echo">The client's echo of FEDAUTHREQUIRED; must be set because this server requires it.</param>
internal sealed record FedAuthRequest(byte Library, bool Echo, string? Token, byte Workflow)
{
    public const byte SecurityTokenLibrary = 0x01;
    public const byte MsalLibrary = 0x02;
    public const byte DefaultWorkflow = 0x03;
}
