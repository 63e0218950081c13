using System.Diagnostics.Metrics;

namespace AzureSqlFunctions.Telemetry;

/// <summary>
/// The app's SQL and token metrics (meter <c>AzureSqlFunctions.Sql</c>), exported by OpenTelemetry when it is
/// configured. Counters with no tags on hot paths, so recording allocates nothing; the two counted on every invocation
/// are observable counters over a field incremented in place, read when the metrics are collected (a measurement
/// recorded through a listening SDK costs more than the rest of an invocation that never touches SQL).
/// </summary>
public sealed class SqlMetrics : IDisposable
{
    public const string MeterName = "AzureSqlFunctions.Sql";

    private readonly Meter _meter;
    private readonly Counter<long> _tokenRequests;
    private readonly Counter<long> _tokenRequestFailures;
    private readonly Counter<long> _tokenCacheHits;
    private readonly Histogram<double> _openDuration;
    private readonly Counter<long> _openRetries;
    private long _invocationsOpened;
    private long _invocationsNotOpened;

    public SqlMetrics(IMeterFactory? meterFactory = null)
        : this(meterFactory?.Create(MeterName) ?? new Meter(MeterName))
    {
    }

    private SqlMetrics(Meter meter)
    {
        _meter = meter;
        _tokenRequests = _meter.CreateCounter<long>("sql.token.requests", description: "Access token requests sent to the credential.");
        _tokenRequestFailures = _meter.CreateCounter<long>("sql.token.request_failures", description: "Access token requests the credential failed.");
        _tokenCacheHits = _meter.CreateCounter<long>("sql.token.cache_hits", description: "Access tokens served from the in-memory cache.");
        _openDuration = _meter.CreateHistogram<double>("sql.connection.open.duration", unit: "ms", description: "Time to open an invocation's connection when the open had to wait (a login, a wait for a pooled session, retries included); an open served at once by an idle pooled session is not timed.");
        _openRetries = _meter.CreateCounter<long>("sql.connection.open.retries", description: "Open attempts retried after a transient Azure SQL error.");
        _meter.CreateObservableCounter("sql.invocation.connections_opened", () => Interlocked.Read(ref _invocationsOpened), description: "Invocations that opened their SQL connection.");
        _meter.CreateObservableCounter("sql.invocation.connections_not_opened", () => Interlocked.Read(ref _invocationsNotOpened), description: "Invocations that ended without touching SQL.");
    }

    /// <summary>
    /// Metrics on a meter no exporter listens to (the start-up login's: its open is not an invocation's, and the app's
    /// container has the app's own meter).
    /// </summary>
    internal static SqlMetrics Unexported() => new(new Meter(MeterName + ".Unexported"));

    public void TokenRequested() => _tokenRequests.Add(1);

    public void TokenRequestFailed() => _tokenRequestFailures.Add(1);

    public void TokenCacheHit() => _tokenCacheHits.Add(1);

    /// <summary>An open that had to wait (a login, a wait for a pooled session, retries) took <paramref name="duration"/>.</summary>
    public void ConnectionOpened(TimeSpan duration) => _openDuration.Record(duration.TotalMilliseconds);

    public void OpenRetried() => _openRetries.Add(1);

    public void InvocationEnded(bool opened)
    {
        if (opened)
        {
            Interlocked.Increment(ref _invocationsOpened);
        }
        else
        {
            Interlocked.Increment(ref _invocationsNotOpened);
        }
    }

    public void Dispose() => _meter.Dispose();
}
