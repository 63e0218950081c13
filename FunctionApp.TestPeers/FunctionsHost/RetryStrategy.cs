namespace AzureSqlFunctions.TestPeers.FunctionsHost;

public enum RetryStrategy
{
    ExponentialBackoff = 0,
    FixedDelay = 1,
}
