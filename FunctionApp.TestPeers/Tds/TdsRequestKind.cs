namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>How a statement reached the server.</summary>
public enum TdsRequestKind
{
    /// <summary>SQL batch (packet type 0x01): statement text only.</summary>
    SqlBatch,

    /// <summary>RPC (packet type 0x03), usually <c>sp_executesql</c> with typed parameters.</summary>
    Rpc,
}
