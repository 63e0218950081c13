using Microsoft.Data.SqlClient;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.ObjectPool;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// Makes token-authenticated connections from the validated settings: the static
/// <see cref="SqlAccessTokenCallback"/> (never the <c>AccessToken</c> property, which would make a pool per token)
/// and SqlClient's configurable retry provider for Azure SQL's transient errors on open, bounded in total by
/// <see cref="SqlOptions.OpenTimeout"/>. The provider is the one mechanism that retries an open: the driver's own
/// login retry (<c>ConnectRetryCount</c>, a blocking 10 s sleep per retry) is bypassed for the open with
/// <see cref="SqlConnectionOverrides.OpenWithoutRetry"/>, so one attempt is one login; <c>ConnectRetryCount</c> still
/// drives idle-connection resiliency (reconnecting a pooled session that broke while idle).
/// </summary>
internal sealed partial class SqlConnectionFactory
{
    /// <summary>Microsoft's guidance: back off exponentially to at most a minute.</summary>
    internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(60);

    private readonly SqlOptions _settings;
    private readonly string _connectionString;
    private readonly string _target;
    private readonly SqlRetryLogicBaseProvider _openRetry;
    private readonly SqlMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    // The open budgets: reset and reused, so a pooled open allocates no token source or timer of its own.
    private readonly ObjectPool<CancellationTokenSource> _budgets = new DefaultObjectPool<CancellationTokenSource>(new BudgetPolicy(), maximumRetained: 256);

    // A start-up login still running: opens wait for its session rather than log in a second one beside it (SqlClient's
    // pool would). Dropped once it has ended, so later opens read one null field.
    private Task? _startupLogin;

    /// <param name="options">The validated <c>Sql</c> settings.</param>
    /// <param name="tokenSource">The app's token source, registered for this database with the static callback.</param>
    /// <param name="metrics">The app's SQL metrics.</param>
    /// <param name="time">The app's clock.</param>
    /// <param name="logger">Logs retried opens.</param>
    /// <param name="startupLogin">The login begun while the worker starts, if any (its session is in this pool).</param>
    public SqlConnectionFactory(IOptions<SqlOptions> options, AccessTokenSource tokenSource, SqlMetrics metrics, TimeProvider time, ILogger<SqlConnectionFactory> logger, SqlStartupLogin? startupLogin = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(tokenSource);
        var settings = options.Value;
        _settings = settings;
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));

        var builder = new SqlConnectionStringBuilder(settings.ConnectionString);
        _connectionString = builder.ConnectionString;
        _target = settings.Target;
        var replaced = SqlAccessTokenCallback.Register(builder.DataSource, builder.InitialCatalog, tokenSource, settings.AllowedTokenResourceList);
        if (replaced is not null && !tokenSource.ContinueFrom(replaced))
        {
            // Sessions pooled under the previous source's identity must not be handed out under this one. SqlClient's
            // clear also dooms one still logging in (a start-up login under other settings): it is never pooled.
            ClearPool();
        }

        _openRetry = SqlConfigurableRetryFactory.CreateExponentialRetryProvider(new SqlRetryLogicOption
        {
            NumberOfTries = settings.OpenRetries + 1,
            // SqlClient's n-th delay is MinTimeInterval + (2^n - 1) × DeltaTime × (0.8 … 1.2): with a fifth of the
            // delay as the floor, the first retry waits at least Sql__OpenRetryDelay (guidance: ≥ 5 s), then doubles.
            DeltaTime = settings.OpenRetryDelay,
            MinTimeInterval = settings.OpenRetryDelay / 5,
            MaxTimeInterval = MaxRetryDelay,
            TransientErrors = AzureSqlTransientErrors.Numbers,
        });
        _openRetry.Retrying += OnRetrying;
        _startupLogin = startupLogin?.Opened;
    }

    public string Target => _target;

    /// <summary>Upper bound on a COMMIT or ROLLBACK (<see cref="SqlOptions.CommitTimeout"/>).</summary>
    public TimeSpan CommitTimeout => _settings.CommitTimeout;

    /// <summary>A closed connection wired for token auth and open retries.</summary>
    public SqlConnection Create() => new(_connectionString)
    {
        AccessTokenCallback = SqlAccessTokenCallback.Instance,
        RetryLogicProvider = _openRetry,
    };

    /// <summary>Opens a connection, retrying transient errors, within <see cref="SqlOptions.OpenTimeout"/>.</summary>
    public Task<SqlConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(retry: true, cancellationToken);

    /// <summary>
    /// Opens a connection with one login attempt per try; <paramref name="retry"/> false makes one try only (a probe
    /// reports the state now, it does not wait it out). Bounded by <see cref="SqlOptions.OpenTimeout"/>.
    /// </summary>
    public Task<SqlConnection> OpenAsync(bool retry, CancellationToken cancellationToken)
    {
        // The first try runs without the retry provider (which clones its retry logic and makes a closure, a list and
        // a state machine for every open, even one served from the pool); the provider takes over only after a failure.
        var connection = new SqlConnection(_connectionString) { AccessTokenCallback = SqlAccessTokenCallback.Instance };
        var started = _time.GetTimestamp();
        var budget = _budgets.Get();
        if (_startupLogin is not null)
        {
            budget.CancelAfter(_settings.OpenTimeout);
            return WaitForOpenAsync(connection, firstTry: null, budget, started, retry, cancellationToken);
        }

        Task firstTry;
        try
        {
            firstTry = connection.OpenAsync(SqlConnectionOverrides.OpenWithoutRetry, budget.Token);
        }
        catch (Exception ex)
        {
            firstTry = Task.FromException(ex);
        }

        if (firstTry.IsCompletedSuccessfully)
        {
            // Served at once by a session idle in the pool (a login or a wait for a session never completes at once):
            // nothing to bound, retry or time, so no timer, no state machine and no histogram update for it.
            _budgets.Return(budget);
            return Task.FromResult(connection);
        }

        // The budget starts when the open is found to wait, a few microseconds after it began.
        budget.CancelAfter(_settings.OpenTimeout);
        return WaitForOpenAsync(connection, firstTry, budget, started, retry, cancellationToken);
    }

    /// <summary>
    /// The rest of an open that did not complete at once (<paramref name="firstTry"/> null: it waits for the start-up
    /// login first): bounded by the armed <paramref name="budget"/>, ended by the invocation's cancellation, retried
    /// once the first try failed, timed.
    /// </summary>
    private async Task<SqlConnection> WaitForOpenAsync(SqlConnection connection, Task? firstTry, CancellationTokenSource budget, long started, bool retry, CancellationToken cancellationToken)
    {
        // The invocation's cancellation ends the open: one registration, removed when the open ends (a linked source
        // would be one more object and timer per open).
        var invocationCancelled = cancellationToken.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), budget);
        try
        {
            if (firstTry is null)
            {
                if (_startupLogin is { } startupLogin)
                {
                    // Waiting for the start-up session is part of the open: the same budget bounds it.
                    await startupLogin.WaitAsync(budget.Token).ConfigureAwait(false); // it never faults
                    _startupLogin = null;
                }

                firstTry = connection.OpenAsync(SqlConnectionOverrides.OpenWithoutRetry, budget.Token);
            }

            try
            {
                await firstTry.ConfigureAwait(false);
            }
            catch (Exception firstFailure) when (retry && !budget.IsCancellationRequested)
            {
                await RetryAsync(connection, firstFailure, budget.Token).ConfigureAwait(false);
            }

            _metrics.ConnectionOpened(_time.GetElapsedTime(started));
            return connection;
        }
        catch (Exception ex) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"Opening a connection to {_target} did not finish within {_settings.OpenTimeout} (retries included).", ex);
        }
        catch (Exception ex) when (SqlAccessTokenCallback.FailureIn(ex) is { } tokenFailure)
        {
            // SqlClient keeps only the callback exception's type and message in a SqlException numbered 0; say what failed.
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new AccessTokenUnavailableException($"Opening a connection to {_target} failed: {tokenFailure}", ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            // Disposing the registration waits for a cancellation running on it; a budget that fired is not reused.
            await invocationCancelled.DisposeAsync().ConfigureAwait(false);
            _budgets.Return(budget);
        }
    }

    /// <summary>Marks this pool's sessions for closing: none is handed out again.</summary>
    private void ClearPool()
    {
        using var connection = Create();
        SqlConnection.ClearPool(connection);
    }

    /// <summary>
    /// The retry provider's tries after a failed first one, exactly as if it had made the first itself: the first
    /// failure is handed to it as its first try's outcome (its transient check, Retrying event and back-off apply to it),
    /// and each further try opens the connection again, as SqlClient's own retrying open does.
    /// </summary>
    private Task RetryAsync(SqlConnection connection, Exception firstFailure, CancellationToken budget)
    {
        var replayed = false;
        return _openRetry.ExecuteAsync(
            connection,
            () =>
            {
                if (!replayed)
                {
                    replayed = true;
                    return Task.FromException(firstFailure);
                }

                return connection.OpenAsync(SqlConnectionOverrides.OpenWithoutRetry, budget);
            },
            budget);
    }

    private void OnRetrying(object? sender, SqlRetryingEventArgs e)
    {
        _metrics.OpenRetried();
        var last = e.Exceptions.Count > 0 ? e.Exceptions[^1] : null;
        LogRetrying(_logger, _target, e.RetryCount, e.Delay.TotalMilliseconds, (last as SqlException)?.Number ?? 0);
    }

    /// <summary>A budget goes back to the pool only when it can be reset (it did not fire, its timer stopped).</summary>
    private sealed class BudgetPolicy : PooledObjectPolicy<CancellationTokenSource>
    {
        public override CancellationTokenSource Create() => new();

        public override bool Return(CancellationTokenSource obj)
        {
            if (obj.TryReset())
            {
                return true;
            }

            obj.Dispose();
            return false;
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Opening a connection to {Target} failed transiently (error {Number}); retry {RetryCount} in {DelayMs:F0} ms")]
    private static partial void LogRetrying(ILogger logger, string target, int retryCount, double delayMs, int number);
}
