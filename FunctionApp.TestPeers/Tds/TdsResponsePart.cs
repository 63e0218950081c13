namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>One piece of a response: a result set, a rows-affected count, or an error.</summary>
public abstract record TdsResponsePart;
