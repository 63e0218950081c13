using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>
/// Reads SqlClient's own event counters (<c>Microsoft.Data.SqlClient.EventSource</c>) in process, so pools are
/// counted by SqlClient rather than inferred. Counters are process-wide and published once per interval, so a
/// scenario compares a reading taken after it against one taken before it.
/// </summary>
internal sealed class SqlClientPoolCounters : EventListener
{
    public const string ActivePools = "number-of-active-connection-pools";
    public const string ActivePoolGroups = "number-of-active-connection-pool-groups";

    private const string SourceName = "Microsoft.Data.SqlClient.EventSource";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, double> _latest = new(StringComparer.Ordinal);
    private long _publications;

    /// <summary>Whether SqlClient published any counter since this listener started.</summary>
    public bool Available => Interlocked.Read(ref _publications) > 0;

    /// <summary>
    /// Makes SqlClient create its event source (it exists only once SqlClient is used) and waits for the first
    /// counters, so that a scenario's "before" reading is a real zero rather than a missing value.
    /// </summary>
    public async Task StartAsync()
    {
        SqlConnection.ClearAllPools();
        var deadline = DateTime.UtcNow + (Interval * 5);
        while (!Available && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
    }

    /// <summary>Waits for two fresh publications (so the value reflects everything done before the call) and reads one counter.</summary>
    public async Task<double?> ReadFreshAsync(string counter)
    {
        var start = Interlocked.Read(ref _publications);
        var deadline = DateTime.UtcNow + (Interval * 5);
        while (Interlocked.Read(ref _publications) < start + (2 * CountersPerPublication) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        return _latest.TryGetValue(counter, out var value) ? value : null;
    }

    // SqlClient publishes 16 counters per interval; waiting for two rounds of them means one full round after the call.
    private const int CountersPerPublication = 16;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == SourceName)
        {
            EnableEvents(eventSource, EventLevel.Critical, EventKeywords.None, new Dictionary<string, string?>
            {
                ["EventCounterIntervalSec"] = Interval.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            });
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName != "EventCounters" || eventData.Payload is not { Count: > 0 } payload
            || payload[0] is not IDictionary<string, object> counter
            || counter.TryGetValue("Name", out var name) is false || name is not string counterName)
        {
            return;
        }

        // Gauges carry "Mean"; rates carry "Increment".
        var value = counter.TryGetValue("Mean", out var mean) ? mean : counter.TryGetValue("Increment", out var increment) ? increment : null;
        if (value is not null)
        {
            _latest[counterName] = Convert.ToDouble(value, CultureInfo.InvariantCulture);
            Interlocked.Increment(ref _publications);
        }
    }
}
