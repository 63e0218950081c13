namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>The outcome of a statement without a result set (INSERT/UPDATE/DELETE).</summary>
public sealed record TdsRowsAffected(long Rows) : TdsResponsePart;
