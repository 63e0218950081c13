namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// What a timer invocation carries in its TimerInfo: <c>{"Schedule":{"AdjustForDST":…},"ScheduleStatus":…,
/// "IsPastDue":…}</c>, the host's TimerInfo serialized with Json.NET defaults.
/// </summary>
public sealed record TimerInvocation
{
    public bool IsPastDue { get; init; }

    /// <summary>The schedule monitor's status (null: no monitor, as with <c>UseMonitor = false</c>).</summary>
    public TimerScheduleStatus? ScheduleStatus { get; init; }
}
