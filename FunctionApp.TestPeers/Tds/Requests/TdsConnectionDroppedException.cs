namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>Raised to end a session abruptly, as an injected fault asked.</summary>
internal sealed class TdsConnectionDroppedException() : Exception("TdsServer dropped the connection as a test asked");
