using System.Collections.Frozen;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// Azure SQL error numbers worth retrying: the open retries on them and HTTP answers them with 503.
/// One list, so the two never disagree.
/// </summary>
internal static class AzureSqlTransientErrors
{
    /// <summary>40501 "The service is currently busy. Retry the request after 10 seconds."</summary>
    public const int ServiceBusy = 40501;

    /// <summary>
    /// SqlClient's own default list (<see cref="SqlConfigurableRetryFactory.BaselineTransientErrors"/>: a custom list
    /// replaces it, so it is the starting point), plus Azure SQL's documented transient errors it lacks: 615 (database
    /// could not be found, during a reconfiguration), 926 (database marked suspect, managed instance failover), 4221
    /// (login to a read-secondary during version transition), 40020, 40143, 40166, 40540 (the codes 40197 wraps; netfx's
    /// driver retries them). In the baseline: 4060, 40197, 40501, 40613 (database unavailable — also what a paused
    /// serverless database answers while it resumes), 49918–49920, 10928/10929 (resource limits), 42108/42109 (a paused
    /// or warming-up dedicated SQL pool, i.e. Synapse — not serverless), 1204/1205/1222 (locks, deadlock).
    /// </summary>
    public static readonly FrozenSet<int> Numbers = SqlConfigurableRetryFactory.BaselineTransientErrors
        .Concat([615, 926, 4060, 4221, 40020, 40143, 40166, 40197, ServiceBusy, 40540, 40613, 49918, 49919, 49920, 10928, 10929, 42108, 42109])
        .ToFrozenSet();

    /// <summary>
    /// Errors of a statement (not of the open) that a caller may retry as a whole: 1205 deadlock victim,
    /// 1222 lock request timeout, 1204 no lock resource. The unit of work has been rolled back when the caller sees them.
    /// </summary>
    public static readonly FrozenSet<int> StatementNumbers = new[] { 1204, 1205, 1222 }.ToFrozenSet();
}
