namespace AzureSqlFunctions.TestPeers.Tds.Framing;

/// <summary>The client sent something this peer does not understand; the session ends.</summary>
internal sealed class TdsProtocolException(string message) : Exception(message);
