using System.Data;
using AzureSqlFunctions.Sql;
using Dapper;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Maintenance;

/// <summary>
/// Purges todos soft-deleted longer ago than the retention, in batches on the invocation's connection, until a batch
/// comes back short or the time budget is spent. Each batch commits on its own (no unit of work), so a run that stops
/// or fails keeps what it did, and running again is harmless: it deletes only what is still old enough.
/// </summary>
internal sealed partial class PurgeJob(MaintenanceSettings settings, TimeProvider time, ILogger<PurgeJob> logger)
{
    public async Task<PurgeResult> RunAsync(InvocationConnection sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var started = time.GetTimestamp();
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(settings.RetentionDays);
        var parameters = new DynamicParameters();
        parameters.Add("@Batch", settings.PurgeBatchSize, DbType.Int32);
        parameters.Add("@Cutoff", cutoff, DbType.DateTimeOffset);

        var connection = await sql.GetOpenConnectionAsync();
        var batches = 0;
        long rows = 0;
        PurgeStopReason reason;
        while (true)
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                PurgeSql.DeleteBatch, parameters, sql.Transaction, cancellationToken: sql.CancellationToken));
            batches++;
            rows += deleted;
            if (deleted < settings.PurgeBatchSize)
            {
                reason = PurgeStopReason.ShortBatch;
                break;
            }

            if (time.GetElapsedTime(started) >= settings.PurgeTimeBudget)
            {
                reason = PurgeStopReason.TimeBudget;
                break;
            }
        }

        var elapsed = time.GetElapsedTime(started);
        LogPurged(logger, rows, batches, reason, cutoff, elapsed.TotalSeconds);
        return new PurgeResult(batches, rows, reason, cutoff);
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Purged {Rows} soft-deleted todos in {Batches} batches; stopped because {Reason}; cutoff {Cutoff:O}; took {ElapsedSeconds:F1} s")]
    private static partial void LogPurged(ILogger logger, long rows, int batches, PurgeStopReason reason, DateTimeOffset cutoff, double elapsedSeconds);
}
