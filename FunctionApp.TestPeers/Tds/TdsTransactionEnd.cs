namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A transaction the server ended: committed, or rolled back (explicitly, by a connection reset, or because its session ended).</summary>
/// <param name="Descriptor">The descriptor the server gave it at BEGIN (what statements in it carry).</param>
public sealed record TdsTransactionEnd(ulong Descriptor, int SessionId, bool Committed);
