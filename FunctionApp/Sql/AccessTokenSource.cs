using System.Collections.Concurrent;
using Azure.Core;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The app's one source of Entra access tokens: wraps one Azure.Identity <see cref="TokenCredential"/> with an
/// in-memory cache per scope. A cached token is served without awaiting anything (and without allocating) until
/// its refresh time — <see cref="AccessToken.RefreshOn"/> when the credential gives one, otherwise well before
/// expiry. Then one refresh runs for all callers (single flight) while the still-valid token keeps being served;
/// if the refresh fails, the old token is served until it expires. Only with no valid token do callers wait,
/// and only then does a credential failure reach them, as <see cref="AccessTokenUnavailableException"/>.
/// </summary>
public sealed partial class AccessTokenSource
{
    /// <summary>Refresh this long before expiry when the credential gives no RefreshOn (capped at half the lifetime).</summary>
    internal static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    /// <summary>After a failed background refresh, wait this long before trying again (no retry storm).</summary>
    internal static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(15);

    private readonly TokenCredential _credential;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SqlMetrics _metrics;
    private readonly ConcurrentDictionary<string, ScopeCache> _scopes = new(StringComparer.Ordinal);
    private long _failedRequests;

    public AccessTokenSource(TokenCredential credential, TimeProvider time, ILogger<AccessTokenSource> logger, SqlMetrics metrics)
    {
        _credential = credential ?? throw new ArgumentNullException(nameof(credential));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        CredentialName = credential.GetType().Name;
    }

    /// <summary>The Azure.Identity credential type, for logs and the health endpoint.</summary>
    public string CredentialName { get; }

    /// <summary>
    /// How many credential requests have failed. SqlClient reports a failing token callback only as a SqlException
    /// numbered 0 without the cause, so the connection factory compares this count across an open to tell.
    /// </summary>
    public long FailedRequests => Interlocked.Read(ref _failedRequests);

    /// <summary>Azure SQL's scope for a resource SqlClient names (sovereign clouds give other resources).</summary>
    public static string ScopeFor(string resource)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(resource);
        return resource.EndsWith('/') ? resource + ".default" : resource + "/.default";
    }

    public ValueTask<AccessToken> GetTokenAsync(string scope, CancellationToken cancellationToken)
    {
        var cache = _scopes.GetOrAdd(scope, static s => new ScopeCache(s));
        var cached = cache.Current;
        var now = _time.GetUtcNow();
        if (cached is not null && now < cached.RefreshAt)
        {
            _metrics.TokenCacheHit();
            return new ValueTask<AccessToken>(cached.Token);
        }

        return GetSlowAsync(cache, cached, now, cancellationToken);
    }

    private async ValueTask<AccessToken> GetSlowAsync(ScopeCache cache, CachedToken? cached, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (cached is not null && now < cached.Token.ExpiresOn)
        {
            // Still valid: refresh in the background (once), answer now.
            if (now.UtcTicks >= Volatile.Read(ref cache.NextAttemptUtcTicks))
            {
                _ = StartRefresh(cache);
            }

            _metrics.TokenCacheHit();
            return cached.Token;
        }

        var refresh = StartRefresh(cache);
        try
        {
            return await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new AccessTokenUnavailableException(
                $"No valid access token for scope '{cache.Scope}': {CredentialName} failed ({ex.GetType().Name}: {FirstLine(ex.Message)}) and no unexpired token is cached.",
                ex);
        }
    }

    /// <summary>Starts a refresh unless one is running; every caller gets the same task.</summary>
    private Task<AccessToken> StartRefresh(ScopeCache cache)
    {
        lock (cache)
        {
            if (cache.Pending is { IsCompleted: false } running)
            {
                return running;
            }

            var pending = RefreshAsync(cache);
            cache.Pending = pending;
            return pending;
        }
    }

    private async Task<AccessToken> RefreshAsync(ScopeCache cache)
    {
        // Let the caller's await begin before the credential runs, so the lock above is short.
        await Task.Yield();
        var started = _time.GetTimestamp();
        _metrics.TokenRequested();
        try
        {
            // Not tied to any one caller's cancellation: other callers share this request.
            var token = await _credential.GetTokenAsync(new TokenRequestContext([cache.Scope]), CancellationToken.None).ConfigureAwait(false);
            var obtainedAt = _time.GetUtcNow();
            cache.Current = new CachedToken(token, RefreshTimeOf(token, obtainedAt));
            Volatile.Write(ref cache.NextAttemptUtcTicks, 0);
            var elapsedMs = _time.GetElapsedTime(started).TotalMilliseconds;
            LogTokenAcquired(_logger, CredentialName, cache.Scope, token.ExpiresOn, elapsedMs);
            return token;
        }
        catch (Exception ex)
        {
            _metrics.TokenRequestFailed();
            Interlocked.Increment(ref _failedRequests);
            Volatile.Write(ref cache.NextAttemptUtcTicks, (_time.GetUtcNow() + RetryAfterFailure).UtcTicks);
            if (_logger.IsEnabled(LogLevel.Warning))
            {
                LogTokenFailed(_logger, CredentialName, cache.Scope, ex.GetType().Name, FirstLine(ex.Message));
            }

            throw;
        }
    }

    private static DateTimeOffset RefreshTimeOf(AccessToken token, DateTimeOffset obtainedAt)
    {
        if (token.RefreshOn is { } refreshOn && refreshOn < token.ExpiresOn)
        {
            return refreshOn;
        }

        var lifetime = token.ExpiresOn - obtainedAt;
        if (lifetime <= TimeSpan.Zero)
        {
            return token.ExpiresOn; // already expired: never served from the cache
        }

        var margin = lifetime / 2 < RefreshMargin ? lifetime / 2 : RefreshMargin;
        return token.ExpiresOn - margin;
    }

    private static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        return end < 0 ? message : message[..end];
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Access token for {Scope} from {Credential}, expires {ExpiresOn:O}, took {ElapsedMs:F0} ms")]
    private static partial void LogTokenAcquired(ILogger logger, string credential, string scope, DateTimeOffset expiresOn, double elapsedMs);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "{Credential} failed to give an access token for {Scope}: {ErrorType}: {Error}")]
    private static partial void LogTokenFailed(ILogger logger, string credential, string scope, string errorType, string error);

    private sealed record CachedToken(AccessToken Token, DateTimeOffset RefreshAt);

    private sealed class ScopeCache(string scope)
    {
        public string Scope { get; } = scope;

        public volatile CachedToken? Current;

        public Task<AccessToken>? Pending;

        /// <summary>UTC ticks before which a background refresh is not retried after a failure.</summary>
        public long NextAttemptUtcTicks;
    }
}
