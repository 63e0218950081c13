using System.Collections.Concurrent;
using Azure.Core;
using AzureSqlFunctions.Telemetry;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The app's one source of Entra access tokens: wraps one Azure.Identity <see cref="TokenCredential"/> with an
/// in-memory cache per scope. A cached token is served without awaiting anything (and without allocating) until its
/// refresh time — <see cref="AccessToken.RefreshOn"/> when the credential gives a future one, otherwise well before
/// expiry — and is never served once it would expire within <see cref="MinimumLifetime"/> (the connect timeout plus a
/// margin), since SqlClient refuses a login with such a token. In every state at most one credential request runs per
/// scope (single flight), each bounded by <see cref="RequestTimeout"/> (a stuck one is abandoned, never reused), and
/// after a failure the next one waits <see cref="RetryAfterFailure"/>: callers with no usable token in that back-off
/// get the last failure at once. A still-usable token keeps being served while refreshes fail.
/// </summary>
public sealed partial class AccessTokenSource
{
    /// <summary>Refresh this long before expiry when the credential gives no RefreshOn (capped at half the lifetime).</summary>
    internal static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    /// <summary>After a failed request, wait this long before the next one (no retry storm, whatever the callers do).</summary>
    internal static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(15);

    /// <summary>After a success the next request waits at least this long, whatever the token's times say (no tight loop).</summary>
    internal static readonly TimeSpan MinimumRefreshInterval = TimeSpan.FromSeconds(1);

    /// <summary>A token is not served when it expires sooner than the connect timeout plus this margin.</summary>
    internal static readonly TimeSpan LifetimeMargin = TimeSpan.FromSeconds(60);

    private readonly TokenCredential _credential;
    private readonly TimeProvider _time;
    private ILogger _logger; // handed on by ContinueFrom
    private AccessTokenSource? _successor;
    private readonly SqlMetrics _metrics;
    private readonly ConcurrentDictionary<string, ScopeCache> _scopes = new(StringComparer.Ordinal);

    /// <summary>With the defaults of <see cref="SqlOptions"/> (tools and benchmarks).</summary>
    public AccessTokenSource(TokenCredential credential, TimeProvider time, ILogger<AccessTokenSource> logger, SqlMetrics metrics)
        : this(credential, time, logger, metrics, Options.Create(new SqlOptions()))
    {
    }

    public AccessTokenSource(TokenCredential credential, TimeProvider time, ILogger<AccessTokenSource> logger, SqlMetrics metrics, IOptions<SqlOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _credential = credential ?? throw new ArgumentNullException(nameof(credential));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        CredentialName = credential.GetType().Name;
        RequestTimeout = options.Value.TokenRequestTimeout;
        MinimumLifetime = options.Value.ConnectTimeout + LifetimeMargin;
    }

    /// <summary>The Azure.Identity credential type, for logs and the health endpoint.</summary>
    public string CredentialName { get; }

    /// <summary>Upper bound on one credential request (<c>Sql__TokenRequestTimeout</c>).</summary>
    public TimeSpan RequestTimeout { get; }

    /// <summary>A token expiring sooner than this is neither served nor accepted from the credential.</summary>
    public TimeSpan MinimumLifetime { get; }

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

    /// <summary>
    /// Takes over from <paramref name="previous"/> when both ask the same credential (so sessions it logged in belong to
    /// the same identity): its cached tokens and any request still running are this source's from now on, so a token
    /// it got (or is getting) is not asked for again. False, and nothing taken, for another credential.
    /// </summary>
    internal bool ContinueFrom(AccessTokenSource previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        if (!ReferenceEquals(previous._credential, _credential))
        {
            return false;
        }

        foreach (var (scope, cache) in previous._scopes)
        {
            _scopes.TryAdd(scope, cache);
        }

        // A request it started and that ends later logs as this source's own; a failure it forgets, this one forgets.
        previous._logger = _logger;
        previous._successor = this;
        return true;
    }

    /// <summary>
    /// Ends the back-off of every scope that has no usable token, as if its failed request had not been made (the
    /// start-up login's failure is not the invocations' to wait out). A request still running is left to finish.
    /// </summary>
    internal void ForgetFailures()
    {
        _successor?.ForgetFailures();
        var now = _time.GetUtcNow();
        foreach (var cache in _scopes.Values)
        {
            lock (cache)
            {
                if (cache.LastFailure is not null && !(cache.Current is { } current && now < current.UsableUntil))
                {
                    cache.NextAttemptUtcTicks = 0;
                    cache.LastFailure = null;
                }
            }
        }
    }

    /// <summary>The server named a resource the app does not give tokens for: logged as a warning, never fetched.</summary>
    internal void ReportRefusedResource(string? resource, string server) => LogResourceRefused(_logger, resource ?? "(none)", server);

    private async ValueTask<AccessToken> GetSlowAsync(ScopeCache cache, CachedToken? cached, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var usable = cached is not null && now < cached.UsableUntil;
        var refresh = StartRefreshUnlessBackingOff(cache, now);
        if (usable)
        {
            // Still usable: answer now; the refresh (if one runs) replaces it for later callers.
            _metrics.TokenCacheHit();
            return cached!.Token;
        }

        if (refresh is null)
        {
            throw Unavailable(cache, cache.LastFailure, "the last request failed and the next is not due yet");
        }

        try
        {
            return await refresh.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(cache, ex, null);
        }
    }

    /// <summary>The running request, or a new one unless the back-off after a failure is still on (then null).</summary>
    private Task<AccessToken>? StartRefreshUnlessBackingOff(ScopeCache cache, DateTimeOffset now)
    {
        lock (cache)
        {
            if (cache.Pending is { IsCompleted: false } running)
            {
                return running;
            }

            if (now.UtcTicks < cache.NextAttemptUtcTicks)
            {
                return null;
            }

            // Set before the request starts, so no caller in between starts a second one.
            cache.NextAttemptUtcTicks = (now + RetryAfterFailure).UtcTicks;
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
            var token = await RequestBoundedAsync(cache.Scope).ConfigureAwait(false);
            var obtainedAt = _time.GetUtcNow();
            if (token.ExpiresOn - obtainedAt < MinimumLifetime)
            {
                throw new AccessTokenUnavailableException(
                    $"{CredentialName} gave a token that expires at {token.ExpiresOn:O}, within {MinimumLifetime.TotalSeconds:0} s (the connect timeout plus a margin): SqlClient would refuse it.");
            }

            cache.Current = new CachedToken(token, RefreshTimeOf(token, obtainedAt), token.ExpiresOn - MinimumLifetime);
            lock (cache)
            {
                // The next refresh is due at RefreshAt (the fast path serves until then); a floor keeps a credential
                // that hands out barely usable tokens from being asked in a loop.
                cache.NextAttemptUtcTicks = (obtainedAt + MinimumRefreshInterval).UtcTicks;
                cache.LastFailure = null;
            }

            var elapsedMs = _time.GetElapsedTime(started).TotalMilliseconds;
            LogTokenAcquired(_logger, CredentialName, cache.Scope, token.ExpiresOn, elapsedMs);
            return token;
        }
        catch (Exception ex)
        {
            _metrics.TokenRequestFailed();
            lock (cache)
            {
                cache.NextAttemptUtcTicks = (_time.GetUtcNow() + RetryAfterFailure).UtcTicks;
                cache.LastFailure = ex;
            }

            if (_logger.IsEnabled(LogLevel.Warning))
            {
                LogTokenFailed(_logger, CredentialName, cache.Scope, ex.GetType().Name, FirstLine(ex.Message));
            }

            throw;
        }
    }

    /// <summary>
    /// One credential request, cancelled after <see cref="RequestTimeout"/>; a credential that ignores the cancellation
    /// is abandoned at the same time (its late answer is dropped), so a stuck call never holds up the next request.
    /// </summary>
    private async Task<AccessToken> RequestBoundedAsync(string scope)
    {
        // One timer, started before the credential is called: it cancels the call and ends the wait for it alike.
        using var timeout = new CancellationTokenSource(RequestTimeout, _time);
        var call = _credential.GetTokenAsync(new TokenRequestContext([scope]), timeout.Token).AsTask();
        try
        {
            return await call.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is TimeoutException || (ex is OperationCanceledException && timeout.IsCancellationRequested))
        {
            _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw new TimeoutException($"{CredentialName} did not answer within {RequestTimeout.TotalSeconds:0.###} s (Sql__TokenRequestTimeout).", ex);
        }
    }

    private AccessTokenUnavailableException Unavailable(ScopeCache cache, Exception? cause, string? why)
    {
        var reason = cause is null ? why ?? "no request has succeeded" : $"{cause.GetType().Name}: {FirstLine(cause.Message)}";
        var message = $"No valid access token for scope '{cache.Scope}': {CredentialName} failed ({reason}) and no usable token is cached.";
        return cause is null ? new AccessTokenUnavailableException(message) : new AccessTokenUnavailableException(message, cause);
    }

    private DateTimeOffset RefreshTimeOf(AccessToken token, DateTimeOffset obtainedAt)
    {
        var lifetime = token.ExpiresOn - obtainedAt;
        var margin = lifetime / 2 < RefreshMargin ? lifetime / 2 : RefreshMargin;
        var refreshAt = token.ExpiresOn - margin;
        // A RefreshOn in the past says nothing useful: the margin above decides instead.
        if (token.RefreshOn is { } refreshOn && refreshOn > obtainedAt && refreshOn < refreshAt)
        {
            refreshAt = refreshOn;
        }

        var usableUntil = token.ExpiresOn - MinimumLifetime;
        return refreshAt < usableUntil ? refreshAt : usableUntil;
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

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Refused a token for resource {Resource} that server {Server} asked for: not an allowed database resource (Sql__AllowedTokenResources)")]
    private static partial void LogResourceRefused(ILogger logger, string resource, string server);

    private sealed record CachedToken(AccessToken Token, DateTimeOffset RefreshAt, DateTimeOffset UsableUntil);

    private sealed class ScopeCache(string scope)
    {
        public string Scope { get; } = scope;

        public volatile CachedToken? Current;

        public Task<AccessToken>? Pending;

        /// <summary>UTC ticks before which no new request starts (set on every start, success and failure).</summary>
        public long NextAttemptUtcTicks;

        public Exception? LastFailure;
    }
}
