using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// The tenant's signing keys, read with IdentityModel's <see cref="OpenIdConnectConfigurationRetriever"/> (discovery,
/// then <c>jwks_uri</c>) and kept: the hot path returns the cached set without allocating. The set is re-read every
/// 12 hours (IdentityModel's default), and — awaited by the call that needs it — when a token names a key id the set
/// lacks (a key rollover): the first time at once, then at most once per <see cref="AuthOptions.MetadataRefreshInterval"/>. One fetch at a time;
/// concurrent callers share its result. A failed fetch keeps the keys already held and is not retried for 10 s.
/// </summary>
/// <remarks>
/// Not IdentityModel's <c>ConfigurationManager</c>: its refresh for an unknown key id runs in the background, so the
/// call that meets a newly rolled-out key is refused (a test pins that need), and it updates its last-known-good cache
/// on every validated token.
/// </remarks>
internal sealed partial class TenantSigningKeys(
    string metadataAddress,
    IDocumentRetriever documents,
    Func<IReadOnlyCollection<SecurityKey>, TokenValidationParameters> parametersFor,
    TimeSpan refreshInterval,
    TimeProvider time,
    ILogger logger) : IDisposable
{
    public static readonly TimeSpan AutomaticRefreshInterval = TimeSpan.FromHours(12);
    public static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _fetch = new(1, 1);
    private volatile SigningKeySet? _current;
    private DateTimeOffset _unknownKeyRefreshAllowed;
    private DateTimeOffset _fetchAllowed;

    public string MetadataAddress => metadataAddress;

    /// <summary>The keys to validate with; null when none could ever be read.</summary>
    public ValueTask<SigningKeySet?> CurrentAsync()
    {
        var current = _current;
        return current is not null && time.GetUtcNow() < current.RefreshDue
            ? new ValueTask<SigningKeySet?>(current)
            : new ValueTask<SigningKeySet?>(FetchAsync(current, unknownKey: false));
    }

    /// <summary>
    /// After a token named a key id that <paramref name="used"/> lacks: a newer set if one could be had, otherwise null
    /// (re-read too recently, or the read failed).
    /// </summary>
    public async Task<SigningKeySet?> RefreshForUnknownKeyAsync(SigningKeySet used)
    {
        var fresh = await FetchAsync(used, unknownKey: true);
        return ReferenceEquals(fresh, used) ? null : fresh;
    }

    public void Dispose() => _fetch.Dispose();

    private async Task<SigningKeySet?> FetchAsync(SigningKeySet? seen, bool unknownKey)
    {
        await _fetch.WaitAsync();
        try
        {
            var now = time.GetUtcNow();
            if (!ReferenceEquals(_current, seen) && _current is not null)
            {
                return _current; // another caller fetched (or gave up fetching) while this one waited
            }

            if ((unknownKey && now < _unknownKeyRefreshAllowed) || now < _fetchAllowed)
            {
                return _current;
            }

            if (unknownKey)
            {
                // Counted from the last re-read an unknown key id caused, as IdentityModel's RequestRefresh does.
                _unknownKeyRefreshAllowed = now + refreshInterval;
            }

            try
            {
                var configuration = await OpenIdConnectConfigurationRetriever.GetAsync(metadataAddress, documents, CancellationToken.None);
                var keys = configuration.SigningKeys.ToList();
                if (keys.Count == 0)
                {
                    throw new InvalidOperationException("The tenant's metadata lists no signing keys.");
                }

                _current = new SigningKeySet(keys, parametersFor(keys), now, now + AutomaticRefreshInterval);
                LogKeysRead(logger, metadataAddress, keys.Count, unknownKey);
            }
#pragma warning disable CA1031 // Any failure to read the keys leaves the app with the keys it has; the caller answers 503 without any.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _fetchAllowed = now + RetryAfterFailure;
                if (_current is { } held && held.RefreshDue <= now)
                {
                    // Keep serving the held keys; the scheduled re-read is tried again later, not on every call.
                    _current = held with { RefreshDue = _fetchAllowed };
                }

                LogReadFailed(logger, metadataAddress, ex.GetType().Name, ex.InnerException?.GetType().Name, _current is not null);
            }

            return _current;
        }
        finally
        {
            _fetch.Release();
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Read {KeyCount} signing keys from {MetadataAddress} (for an unknown key id: {UnknownKey})")]
    private static partial void LogKeysRead(ILogger logger, string metadataAddress, int keyCount, bool unknownKey);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "The tenant's signing keys could not be read from {MetadataAddress}: {ErrorType} ({InnerErrorType}); keeping the keys held: {KeepsKeys}")]
    private static partial void LogReadFailed(ILogger logger, string metadataAddress, string errorType, string? innerErrorType, bool keepsKeys);
}
