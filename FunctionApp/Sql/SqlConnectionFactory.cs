using Microsoft.Data.SqlClient;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// Makes token-authenticated connections from the validated settings: the static
/// <see cref="SqlAccessTokenCallback"/> (never the <c>AccessToken</c> property, which would make a pool per token)
/// and SqlClient's configurable retry provider for Azure SQL's transient errors on open, bounded in total by
/// <see cref="SqlOptions.OpenTimeout"/>.
/// </summary>
internal sealed partial class SqlConnectionFactory
{
    private readonly SqlOptions _settings;
    private readonly string _connectionString;
    private readonly string _target;
    private readonly AccessTokenSource _tokenSource;
    private readonly SqlRetryLogicBaseProvider _openRetry;
    private readonly SqlMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public SqlConnectionFactory(IOptions<SqlOptions> options, AccessTokenSource tokenSource, SqlMetrics metrics, TimeProvider time, ILogger<SqlConnectionFactory> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        var settings = options.Value;
        _settings = settings;
        _tokenSource = tokenSource ?? throw new ArgumentNullException(nameof(tokenSource));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));

        var builder = new SqlConnectionStringBuilder(settings.ConnectionString);
        _connectionString = builder.ConnectionString;
        _target = settings.Target;
        var replaced = SqlAccessTokenCallback.Register(builder.DataSource, builder.InitialCatalog, tokenSource);
        if (replaced is not null)
        {
            // Sessions pooled under the previous source's identity must not be handed out under this one.
            using var connection = Create();
            SqlConnection.ClearPool(connection);
        }

        _openRetry = SqlConfigurableRetryFactory.CreateExponentialRetryProvider(new SqlRetryLogicOption
        {
            NumberOfTries = settings.OpenRetries + 1,
            DeltaTime = settings.OpenRetryDelay,
            MinTimeInterval = TimeSpan.Zero,
            MaxTimeInterval = TimeSpan.FromSeconds(Math.Max(settings.OpenRetryDelay.TotalSeconds * 8, 1)),
            TransientErrors = AzureSqlTransientErrors.Numbers,
        });
        _openRetry.Retrying += OnRetrying;
    }

    public string Target => _target;

    /// <summary>A closed connection wired for token auth and open retries.</summary>
    public SqlConnection Create() => new(_connectionString)
    {
        AccessTokenCallback = SqlAccessTokenCallback.Instance,
        RetryLogicProvider = _openRetry,
    };

    /// <summary>Opens a connection, retrying transient errors, within <see cref="SqlOptions.OpenTimeout"/>.</summary>
    public async Task<SqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = Create();
        var started = _time.GetTimestamp();
        var tokenFailuresBefore = _tokenSource.FailedRequests;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_settings.OpenTimeout);
        try
        {
            await connection.OpenAsync(budget.Token).ConfigureAwait(false);
            _metrics.ConnectionOpened(_time.GetElapsedTime(started));
            return connection;
        }
        catch (Exception ex) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"Opening a connection to {_target} did not finish within {_settings.OpenTimeout} (retries included).", ex);
        }
        catch (SqlException ex) when (ex.Number == 0 && _tokenSource.FailedRequests != tokenFailuresBefore)
        {
            // SqlClient swallowed the callback's exception ("Failed to authenticate the user…"); say what failed.
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new AccessTokenUnavailableException($"Opening a connection to {_target} failed: {_tokenSource.CredentialName} gave no access token.", ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void OnRetrying(object? sender, SqlRetryingEventArgs e)
    {
        _metrics.OpenRetried();
        var last = e.Exceptions.Count > 0 ? e.Exceptions[^1] : null;
        LogRetrying(_logger, _target, e.RetryCount, e.Delay.TotalMilliseconds, (last as SqlException)?.Number ?? 0);
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "Opening a connection to {Target} failed transiently (error {Number}); retry {RetryCount} in {DelayMs:F0} ms")]
    private static partial void LogRetrying(ILogger logger, string target, int retryCount, double delayMs, int number);
}
