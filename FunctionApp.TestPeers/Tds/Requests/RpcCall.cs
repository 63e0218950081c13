namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>One RPC of an RPC request: a statement with its parameters.</summary>
internal sealed record RpcCall(string Text, IReadOnlyList<SqlParameterValue> Parameters);
