namespace AzureSqlFunctions.Maintenance;

/// <summary>Why a purge run stopped.</summary>
internal enum PurgeStopReason
{
    /// <summary>A batch deleted fewer rows than asked: nothing old enough is left.</summary>
    ShortBatch,

    /// <summary>The time budget ran out; the next run carries on where this one stopped.</summary>
    TimeBudget,
}
