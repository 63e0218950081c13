namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>RpcLog's log_category: a user (function code) log, a system (worker) log or a custom metric.</summary>
public enum WorkerLogKind
{
    User = 0,
    System = 1,
    CustomMetric = 2,
}
