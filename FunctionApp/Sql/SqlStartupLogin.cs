using System.Diagnostics;
using Azure.Core;
using AzureSqlFunctions.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The worker's first login, begun by Program.cs before anything else: the credential the settings name gets the first
/// token while one connection connects, logs in and goes back to the pool — all while the worker builds its host,
/// connects to the Functions host and indexes its functions. The first invocation then finds a pooled session and a
/// cached token instead of waiting for the token request, TLS and the login.
/// </summary>
/// <remarks>
/// Its connection is made by a <see cref="SqlConnectionFactory"/> from the same settings, so it has the app's
/// connection string and static token callback: its session is in the app's pool. When the worker's settings are the
/// same (<see cref="CredentialFor"/>), the app keeps its credential and its token source takes over the login's token
/// (<see cref="AccessTokenSource.ContinueFrom"/>); otherwise the app's factory clears that session from the pool.
/// <c>Sql__LoginAtStartup=false</c> starts nothing. Settings that do not validate make no connection (the worker's
/// start reports them); the token request, which starts before the checks, may have run, and its token goes nowhere.
/// Opens arriving meanwhile wait for the start-up session, within their own budget, rather than log in a second one
/// beside it. The login makes one try: a failure is logged as a warning once the worker's logging runs and leaves
/// nothing behind — no token back-off, no blocked pool on Azure SQL — so invocations open their own, with their retries.
/// </remarks>
public sealed partial class SqlStartupLogin
{
    private readonly SqlMetrics _metrics = SqlMetrics.Unexported();
    private readonly Task<Preparation> _prepared;
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task<StartupLoginOutcome> _login;
    private volatile bool _adopted;

    private SqlStartupLogin(IConfiguration configuration)
    {
        // Binding, the credential and the factory are made off the main thread too: its start-up is the critical path.
        _prepared = Task.Run(() => Prepare(configuration, _metrics));
        _login = LoginAsync();
    }

    /// <summary>How the login ended (never faults).</summary>
    internal Task<StartupLoginOutcome> Completion => _login;

    /// <summary>
    /// Completes when the login has ended — its session back in the pool, or failed (never faults): an open waiting for
    /// it then finds the session in the pool, or starts as if there had been no start-up login.
    /// </summary>
    internal Task Opened => _opened.Task;

    /// <summary>Begins the login in the background and returns at once.</summary>
    public static SqlStartupLogin Begin(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new SqlStartupLogin(configuration);
    }

    /// <summary>
    /// <see cref="Begin"/> over the app settings as the platform gives them — environment variables, in Azure and under
    /// Core Tools alike — so the login starts before the worker's builder exists. Should the worker's configuration say
    /// otherwise, the app does not take this login's credential (<see cref="CredentialFor"/>).
    /// </summary>
    public static SqlStartupLogin BeginFromAppSettings() => Begin(new ConfigurationBuilder().AddEnvironmentVariables().Build());

    /// <summary>
    /// The credential the login used, for the app to keep, when <paramref name="settings"/> name the same database,
    /// credential and token rules; otherwise null (the app makes its own, and its factory clears this one's session).
    /// </summary>
    internal TokenCredential? CredentialFor(SqlOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // Preparing does no I/O (binding, validation, constructors): this wait is short.
        var prepared = _prepared.GetAwaiter().GetResult().Prepared;
        if (prepared is null || !SameLogin(prepared.Settings, settings))
        {
            return null;
        }

        _adopted = true;
        return prepared.Credential;
    }

    /// <summary>Logs how the login ended, when it ends (at once if it has).</summary>
    internal void ReportTo(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _ = _login.ContinueWith(
            static (login, state) =>
            {
                var (self, logger) = ((SqlStartupLogin, ILogger))state!;
                self.Report(logger, login.Result);
            },
            (this, logger),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void Report(ILogger logger, StartupLoginOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case StartupLoginKind.LoggedIn when _adopted:
                LogLoggedIn(logger, outcome.Target!, outcome.Elapsed.TotalMilliseconds);
                break;
            case StartupLoginKind.LoggedIn:
                LogNotAdopted(logger, outcome.Target!, outcome.Elapsed.TotalMilliseconds);
                break;
            case StartupLoginKind.Failed:
                LogFailed(logger, outcome.Target!, outcome.Elapsed.TotalMilliseconds, outcome.ErrorType!, outcome.Error!);
                break;
            default:
                LogNotStarted(logger, outcome.Error!);
                break;
        }
    }

    private static Preparation Prepare(IConfiguration configuration, SqlMetrics metrics)
    {
        try
        {
            var settings = configuration.GetSection(SqlOptions.SectionName).Get<SqlOptions>() ?? new SqlOptions();
            SqlOptions.ApplyCredentialDefault(settings, configuration);
            if (!settings.LoginAtStartup)
            {
                return new Preparation(null, "Sql__LoginAtStartup is false");
            }

            if (string.IsNullOrWhiteSpace(settings.ConnectionString))
            {
                return new Preparation(null, "Sql__ConnectionString is not among the environment's app settings");
            }

            var credential = TokenCredentialFactory.Create(settings);
            var options = Options.Create(settings);
            var tokenSource = new AccessTokenSource(credential, TimeProvider.System, NullLogger<AccessTokenSource>.Instance, metrics, options);

            // The token request starts first and runs beside the rest: the settings' checks, the connect and the TLS
            // handshake (the login's token callback joins it). Only the connection waits for the checks: a token
            // goes nowhere until then.
            var token = tokenSource.GetTokenAsync(AccessTokenSource.ScopeFor(ResourceOf(settings)), CancellationToken.None).AsTask();
            _ = token.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            if (new SqlOptionsValidator(configuration).Validate(null, settings).Failed)
            {
                return new Preparation(null, "the Sql settings do not pass the app's checks (the worker's start names them)");
            }

            // Registers the token source for this database: made here, before the app's own factory can be.
            var factory = new SqlConnectionFactory(options, tokenSource, metrics, TimeProvider.System, NullLogger<SqlConnectionFactory>.Instance);
            return new Preparation(new Prepared(settings, credential, tokenSource, factory, token), null);
        }
        catch (Exception ex)
        {
            // A setting that does not bind, a credential that cannot be made: the worker's start names it, or the
            // invocations meet it. Nothing here may stop the worker.
            return new Preparation(null, $"the Sql settings could not be read ({ex.GetType().Name})");
        }
    }

    private async Task<StartupLoginOutcome> LoginAsync()
    {
        var (prepared, notStarted) = await _prepared.ConfigureAwait(false);
        if (prepared is null)
        {
            _opened.SetResult();
            _metrics.Dispose();
            return new StartupLoginOutcome(StartupLoginKind.NotStarted, null, TimeSpan.Zero, null, notStarted);
        }

        var target = prepared.Factory.Target;
        var started = Stopwatch.GetTimestamp();
        try
        {
            // One try: a database still waking up is the invocations' to wait for, with their retries.
            try
            {
                var connection = await prepared.Factory.OpenAsync(retry: false, CancellationToken.None).ConfigureAwait(false);
                await connection.DisposeAsync().ConfigureAwait(false); // logged in, back to the pool
            }
            catch
            {
                // Its failed token request puts no one in the back-off: the invocations start afresh.
                await prepared.Token.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
                prepared.TokenSource.ForgetFailures();
                throw;
            }
            finally
            {
                _opened.SetResult();
            }

            return new StartupLoginOutcome(StartupLoginKind.LoggedIn, target, Stopwatch.GetElapsedTime(started), null, null);
        }
        catch (Exception ex)
        {
            var message = ex.Message;
            var end = message.AsSpan().IndexOfAny('\r', '\n');
            return new StartupLoginOutcome(StartupLoginKind.Failed, target, Stopwatch.GetElapsedTime(started), ex.GetType().Name, end < 0 ? message : message[..end]);
        }
        finally
        {
            _metrics.Dispose();
        }
    }

    /// <summary>
    /// The resource the server will name for its token: the allowed one whose domain the connection string names (Azure
    /// SQL's public, US Government or China database domain in the server's name), else the first allowed. A wrong
    /// guess costs one early token request; the login still asks for the resource the server names.
    /// </summary>
    private static string ResourceOf(SqlOptions settings)
    {
        var allowed = settings.AllowedTokenResourceList;
        foreach (var resource in allowed)
        {
            if (Uri.TryCreate(resource, UriKind.Absolute, out var uri) && settings.ConnectionString!.Contains(uri.Host, StringComparison.OrdinalIgnoreCase))
            {
                return resource;
            }
        }

        return allowed[0];
    }

    private static bool SameLogin(SqlOptions a, SqlOptions b) =>
        string.Equals(a.ConnectionString, b.ConnectionString, StringComparison.Ordinal)
        && a.CredentialKind == b.CredentialKind
        && string.Equals(a.ManagedIdentityClientId, b.ManagedIdentityClientId, StringComparison.OrdinalIgnoreCase)
        && a.AllowedTokenResourceList.SequenceEqual(b.AllowedTokenResourceList, StringComparer.Ordinal)
        && a.TokenRequestTimeout == b.TokenRequestTimeout
        && a.OpenTimeout == b.OpenTimeout;

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Azure SQL {Target}: logged in while the worker started, in {ElapsedMs:F0} ms; the first invocation uses that session")]
    private static partial void LogLoggedIn(ILogger logger, string target, double elapsedMs);

    [LoggerMessage(EventId = 211, Level = LogLevel.Warning, Message = "Azure SQL {Target}: the login while the worker started failed after {ElapsedMs:F0} ms ({ErrorType}: {Error}); invocations open their own connections")]
    private static partial void LogFailed(ILogger logger, string target, double elapsedMs, string errorType, string error);

    [LoggerMessage(EventId = 212, Level = LogLevel.Information, Message = "Azure SQL: no login while the worker started: {Reason}")]
    private static partial void LogNotStarted(ILogger logger, string reason);

    [LoggerMessage(EventId = 213, Level = LogLevel.Warning, Message = "Azure SQL {Target}: logged in while the worker started, in {ElapsedMs:F0} ms, from the environment's settings, which differ from the worker's: that session is not used")]
    private static partial void LogNotAdopted(ILogger logger, string target, double elapsedMs);

    private sealed record Prepared(SqlOptions Settings, TokenCredential Credential, AccessTokenSource TokenSource, SqlConnectionFactory Factory, Task<AccessToken> Token);

    /// <summary>What preparing gave: the login's parts, or why there is no login.</summary>
    private readonly record struct Preparation(Prepared? Prepared, string? NotStarted);
}

/// <summary>How a <see cref="SqlStartupLogin"/> ended.</summary>
internal enum StartupLoginKind
{
    /// <summary>Off, or settings the worker's start will refuse (<see cref="StartupLoginOutcome.Error"/> says which).</summary>
    NotStarted,

    LoggedIn,

    Failed,
}

/// <summary>How a <see cref="SqlStartupLogin"/> ended, how long its open took, and what failed (or why it did not start).</summary>
internal sealed record StartupLoginOutcome(StartupLoginKind Kind, string? Target, TimeSpan Elapsed, string? ErrorType, string? Error);
