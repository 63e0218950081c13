namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A result set. Rows are enumerated lazily while they are sent, so a generator may be endless.</summary>
public sealed record TdsResultSet(IReadOnlyList<TdsColumn> Columns, IEnumerable<object?[]> Rows) : TdsResponsePart;
