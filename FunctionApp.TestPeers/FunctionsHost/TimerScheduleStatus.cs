namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>ScheduleStatus of a TimerInfo: the last and next occurrence and when the status was last written.</summary>
public sealed record TimerScheduleStatus(DateTime Last, DateTime Next, DateTime LastUpdated);
