using System.Data;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using Dapper;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Maintenance;

/// <summary>
/// The purge of todos soft-deleted longer ago than the retention, on the schedule in <c>Maintenance__PurgeSchedule</c>
/// (the host resolves <c>%Maintenance:PurgeSchedule%</c>, where <c>__</c> reads as <c>:</c>). It deletes in batches
/// on the invocation's connection until a batch comes back short or the time budget is spent, then (within the same
/// budget) the Idempotency-Key records older than their retention. Each batch has its own command timeout
/// (<see cref="MaintenanceOptions.PurgeBatchTimeout"/>; budget + one batch + a margin fit in host.json's
/// functionTimeout, checked at startup) and commits on its own (no unit of work), so a run that stops or fails keeps
/// what it did, and running again is harmless. A failed run propagates to the host, which retries it with back-off.
/// The job has no caller: its session declares the purge context (<see cref="SessionContext.ForPurge"/>, the two
/// cutoffs, read-only), under which the row-level security policies let it see and delete only soft-deleted todos
/// and Idempotency-Key records past those cutoffs — whatever its statements say — and change nothing else.
/// </summary>
public sealed partial class PurgeFunction(IOptions<MaintenanceOptions> options, TimeProvider time, ILogger<PurgeFunction> logger)
{
    private readonly MaintenanceOptions _settings = (options ?? throw new ArgumentNullException(nameof(options))).Value;

    [Function("PurgeDeletedTodos")]
    [ExponentialBackoffRetry(3, "00:00:30", "00:10:00")]
    public async Task Run([TimerTrigger("%Maintenance:PurgeSchedule%")] TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sql = context.GetInvocationConnection();
        var started = time.GetTimestamp();
        var now = time.GetUtcNow();
        var cutoff = now - TimeSpan.FromDays(_settings.RetentionDays);
        var keysCutoff = now - Http.IdempotencyKey.Retention;
        sql.UseSessionContext(SessionContext.ForPurge(cutoff, keysCutoff, _settings.PurgeBatchTimeout));
        var parameters = new DynamicParameters();
        parameters.Add("@Batch", _settings.PurgeBatchSize, DbType.Int32);
        parameters.Add("@Cutoff", cutoff, DbType.DateTimeOffset);

        var connection = await sql.GetOpenConnectionAsync();
        var (batches, rows, reason) = await PurgeAsync(connection, sql, PurgeSql.DeleteBatch, parameters, started);
        long keyRecords = 0;
        if (reason == PurgeStopReason.ShortBatch)
        {
            var keys = new DynamicParameters();
            keys.Add("@Batch", _settings.PurgeBatchSize, DbType.Int32);
            keys.Add("@Cutoff", keysCutoff, DbType.DateTimeOffset);
            (_, keyRecords, reason) = await PurgeAsync(connection, sql, PurgeSql.DeleteExpiredCreateRequests, keys, started);
        }

        var elapsed = time.GetElapsedTime(started);
        LogPurged(logger, rows, batches, reason, cutoff, elapsed.TotalSeconds, keyRecords);
    }

    /// <summary>Runs one delete statement in batches until one comes back short or the budget is spent.</summary>
    private async Task<(int Batches, long Rows, PurgeStopReason Reason)> PurgeAsync(
        Microsoft.Data.SqlClient.SqlConnection connection, Sql.InvocationConnection sql, string statement, DynamicParameters parameters, long started)
    {
        var batches = 0;
        long rows = 0;
        var commandTimeout = (int)Math.Ceiling(_settings.PurgeBatchTimeout.TotalSeconds);
        while (true)
        {
            var deleted = await connection.ExecuteAsync(new CommandDefinition(
                statement, parameters, sql.Transaction, commandTimeout, cancellationToken: sql.CancellationToken));
            batches++;
            rows += deleted;
            if (deleted < _settings.PurgeBatchSize)
            {
                return (batches, rows, PurgeStopReason.ShortBatch);
            }

            if (time.GetElapsedTime(started) >= _settings.PurgeTimeBudget)
            {
                return (batches, rows, PurgeStopReason.TimeBudget);
            }
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Purged {Rows} soft-deleted todos in {Batches} batches and {KeyRecords} expired Idempotency-Key records; stopped because {Reason}; cutoff {Cutoff:O}; took {ElapsedSeconds:F1} s")]
    private static partial void LogPurged(ILogger logger, long rows, int batches, PurgeStopReason reason, DateTimeOffset cutoff, double elapsedSeconds, long keyRecords);
}
