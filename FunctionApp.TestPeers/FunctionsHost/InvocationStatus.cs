namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>StatusResult.Status of an InvocationResponse.</summary>
public enum InvocationStatus
{
    Failure = 0,
    Success = 1,
    Cancelled = 2,
}
