namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A server error; severity 11 or more becomes a SqlException, 20 or more also breaks the connection.</summary>
public sealed record TdsError(int Number, string Message, byte Severity = 16, byte State = 1) : TdsResponsePart;
