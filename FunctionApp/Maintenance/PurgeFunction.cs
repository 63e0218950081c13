using System.Data;
using AzureSqlFunctions.Middleware;
using Dapper;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Maintenance;

/// <summary>
/// The purge of todos soft-deleted longer ago than the retention, on the schedule in <c>Maintenance__PurgeSchedule</c>
/// (the host resolves <c>%Maintenance:PurgeSchedule%</c>, where <c>__</c> reads as <c>:</c>). It deletes in batches
/// on the invocation's connection until a batch comes back short or the time budget is spent. Each batch commits on
/// its own (no unit of work), so a run that stops or fails keeps what it did, and running again is harmless. A failed
/// run propagates to the host, which retries it with back-off.
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
        var cutoff = time.GetUtcNow() - TimeSpan.FromDays(_settings.RetentionDays);
        var parameters = new DynamicParameters();
        parameters.Add("@Batch", _settings.PurgeBatchSize, DbType.Int32);
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
            if (deleted < _settings.PurgeBatchSize)
            {
                reason = PurgeStopReason.ShortBatch;
                break;
            }

            if (time.GetElapsedTime(started) >= _settings.PurgeTimeBudget)
            {
                reason = PurgeStopReason.TimeBudget;
                break;
            }
        }

        var elapsed = time.GetElapsedTime(started);
        LogPurged(logger, rows, batches, reason, cutoff, elapsed.TotalSeconds);
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Purged {Rows} soft-deleted todos in {Batches} batches; stopped because {Reason}; cutoff {Cutoff:O}; took {ElapsedSeconds:F1} s")]
    private static partial void LogPurged(ILogger logger, long rows, int batches, PurgeStopReason reason, DateTimeOffset cutoff, double elapsedSeconds);
}
