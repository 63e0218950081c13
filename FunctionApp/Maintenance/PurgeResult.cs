namespace AzureSqlFunctions.Maintenance;

/// <summary>What one purge run did.</summary>
internal sealed record PurgeResult(int Batches, long Rows, PurgeStopReason StoppedBecause, DateTimeOffset Cutoff);
