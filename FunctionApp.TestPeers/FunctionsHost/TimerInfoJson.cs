using System.Globalization;
using System.Text.Json;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// The TimerInfo JSON the host sends as a timer trigger's input: Json.NET's default serialization of WebJobs'
/// TimerInfo (PascalCase; <c>Schedule</c> shows only <c>AdjustForDST</c>, true for cron schedules and false for a
/// constant <c>hh:mm:ss</c> interval; dates in ISO 8601).
/// </summary>
internal static class TimerInfoJson
{
    public static string Build(TimerInvocation timer, string? schedule)
    {
        var constantInterval = schedule is not null && TimeSpan.TryParse(schedule, CultureInfo.InvariantCulture, out _);
        var status = timer.ScheduleStatus is { } s
            ? new Dictionary<string, string> { ["Last"] = Iso(s.Last), ["Next"] = Iso(s.Next), ["LastUpdated"] = Iso(s.LastUpdated) }
            : null;
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["Schedule"] = new Dictionary<string, bool> { ["AdjustForDST"] = !constantInterval },
            ["ScheduleStatus"] = status,
            ["IsPastDue"] = timer.IsPastDue,
        });
    }

    // Json.NET's IsoDateFormat: fraction digits only when present; Z, an offset or nothing by DateTimeKind.
    private static string Iso(DateTime value) => value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture);
}
