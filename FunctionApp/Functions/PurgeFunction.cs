using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Middleware;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Functions;

/// <summary>
/// The nightly purge of old soft-deleted todos. The schedule is the app setting <c>Maintenance__PurgeSchedule</c>
/// (the host resolves <c>%Maintenance:PurgeSchedule%</c> from configuration, where <c>__</c> reads as <c>:</c>).
/// A failed run is retried with back-off; the job is idempotent, so a retry only finishes what is left.
/// </summary>
internal sealed class PurgeFunction(PurgeJob job)
{
    [Function("PurgeDeletedTodos")]
    [ExponentialBackoffRetry(3, "00:00:30", "00:10:00")]
    public async Task Run([TimerTrigger("%Maintenance:PurgeSchedule%")] TimerInfo timer, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(timer);
        await job.RunAsync(context.GetInvocationConnection());
    }
}
