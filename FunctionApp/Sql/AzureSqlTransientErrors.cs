using System.Collections.Frozen;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// Azure SQL error numbers worth retrying: the open retries on them and HTTP answers them with 503.
/// One list, so the two never disagree.
/// </summary>
internal static class AzureSqlTransientErrors
{
    /// <summary>
    /// 4060 database unavailable; 40197, 40501 (busy), 40613 (database unavailable, also waking from auto-pause);
    /// 49918–49920 (not enough resources / too many operations); 10928, 10929 (resource limits);
    /// 42108, 42109 (serverless/pool resuming).
    /// </summary>
    public static readonly FrozenSet<int> Numbers = new[]
    {
        4060, 40197, 40501, 40613, 49918, 49919, 49920, 10928, 10929, 42108, 42109,
    }.ToFrozenSet();

    /// <summary>
    /// Errors of a statement (not of the open) that a caller may retry as a whole: 1205 deadlock victim,
    /// 1222 lock request timeout. The unit of work has been rolled back when the caller sees them.
    /// </summary>
    public static readonly FrozenSet<int> StatementNumbers = new[] { 1205, 1222 }.ToFrozenSet();
}
