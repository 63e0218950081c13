using System.Data;
using AzureSqlFunctions.Telemetry;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The one SQL connection of one function invocation (a unit of work in the eShop TransactionBehavior sense).
/// Nothing is opened until a handler first asks; later asks in the same invocation get the same open connection.
/// Right after it opens, before any other statement, the connection tells the database whom it serves (its
/// <see cref="SessionContext"/>, read-only): the row-level security policies key on it, so every statement of the
/// invocation runs as that caller (or as the purge job) and a pooled session is never reused under another's context.
/// A handler opts into a transaction with <see cref="BeginUnitOfWorkAsync"/> (every HTTP write does): the middleware
/// commits it with <see cref="CompleteAsync"/> when the invocation succeeds, or rolls it back with
/// <see cref="RollBackAsync"/> before it answers a failure, and <see cref="Outcome"/> says what is known of the writes.
/// COMMIT and ROLLBACK are bounded by <see cref="SqlOptions.CommitTimeout"/>. Disposing returns the connection to the
/// pool exactly once, never waiting for an open or a commit that was given up on (that one is disposed when it ends).
/// Not thread-safe: one invocation, one flow.
/// </summary>
internal sealed class InvocationConnection : IAsyncDisposable
{
    private readonly SqlConnectionFactory _factory;
    private readonly SqlMetrics _metrics;
    private readonly CancellationToken _invocationCancelled;
    private SessionContext? _sessionContext;
    private Task<SqlConnection>? _opening;
    private CancellationTokenSource? _probeBound;
    private SqlTransaction? _transaction;
    private Task? _abandoned;
    private bool _disposed;

    /// <param name="sessionContext">Whom the invocation serves (an HTTP caller's owner id); null: none yet (see <see cref="UseSessionContext"/>).</param>
    public InvocationConnection(SqlConnectionFactory factory, SqlMetrics metrics, CancellationToken invocationCancelled, SessionContext? sessionContext = null)
    {
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _invocationCancelled = invocationCancelled;
        _sessionContext = sessionContext;
    }

    /// <summary>Whether this invocation has asked for (and so opened, or tried to open) its connection.</summary>
    public bool IsOpened => _opening is not null;

    /// <summary>The unit of work's transaction, once begun; pass it to every command (Dapper needs it).</summary>
    public SqlTransaction? Transaction => _transaction;

    /// <summary>The invocation's cancellation, for commands the handlers run.</summary>
    public CancellationToken CancellationToken => _invocationCancelled;

    /// <summary>What is known of the unit of work's writes so far.</summary>
    public UnitOfWorkOutcome Outcome { get; private set; }

    /// <summary>The context set on the connection when it opens; null: none (the policies then show no row).</summary>
    public SessionContext? SessionContext => _sessionContext;

    /// <summary>
    /// Declares whom an invocation without a caller serves (the purge job), before its connection opens. A context,
    /// once given, never changes: the database keeps it read-only for the session.
    /// </summary>
    public void UseSessionContext(SessionContext sessionContext)
    {
        ArgumentNullException.ThrowIfNull(sessionContext);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_sessionContext is not null)
        {
            throw new InvalidOperationException("The invocation's session context is already set; it never changes.");
        }

        if (_opening is not null)
        {
            throw new InvalidOperationException("The session context must be declared before the invocation's connection opens.");
        }

        _sessionContext = sessionContext;
    }

    /// <summary>Opens the connection (and sets its session context) on first use; the same open connection afterwards.</summary>
    public Task<SqlConnection> GetOpenConnectionAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _opening ??= Identified(_factory.OpenAsync(_invocationCancelled), _invocationCancelled);
    }

    /// <summary>
    /// For a probe: opens with one login attempt and no retries, abandoned when <paramref name="bound"/> fires (the
    /// probe's own timeout), so the probe answers in its time whatever the open is doing.
    /// </summary>
    public Task<SqlConnection> GetProbeConnectionAsync(CancellationToken bound)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_opening is not null)
        {
            return _opening;
        }

        _probeBound = CancellationTokenSource.CreateLinkedTokenSource(_invocationCancelled, bound);
        return _opening = Identified(_factory.OpenAsync(retry: false, _probeBound.Token), _probeBound.Token);
    }

    /// <summary>The open, followed by the session context call when there is a context (else the open as it is: no second task).</summary>
    private Task<SqlConnection> Identified(Task<SqlConnection> opening, CancellationToken cancellationToken) =>
        _sessionContext is { } context ? IdentifyAsync(opening, context, cancellationToken) : opening;

    /// <summary>Starts the invocation's transaction (once; later calls return the same one).</summary>
    public async Task<SqlTransaction> BeginUnitOfWorkAsync(IsolationLevel isolation = IsolationLevel.ReadCommitted)
    {
        if (_transaction is not null)
        {
            return _transaction;
        }

        var connection = await GetOpenConnectionAsync().ConfigureAwait(false);
        _transaction = (SqlTransaction)await connection.BeginTransactionAsync(isolation, _invocationCancelled).ConfigureAwait(false);
        return _transaction;
    }

    /// <summary>
    /// The invocation succeeded: commit the unit of work, if one was begun. Throws <see cref="OutcomeUnknownException"/>
    /// when the commit is not acknowledged in time (the COMMIT was sent: it may have been applied).
    /// </summary>
    public async Task CompleteAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_transaction is not { } transaction)
        {
            return;
        }

        _transaction = null;
        // Not abandoned half-way by a late cancellation: a commit runs to its answer or to the bound.
        if (await EndAsync(transaction, commit: true).ConfigureAwait(false) is { } failure)
        {
            Outcome = UnitOfWorkOutcome.Unknown;
            throw new OutcomeUnknownException("The commit was sent but not acknowledged: the writes may or may not have been saved.", failure);
        }

        Outcome = UnitOfWorkOutcome.Committed;
    }

    /// <summary>
    /// The invocation failed: roll back an uncommitted unit of work now, before the failure is answered, and say what
    /// is known. Rolled back when the server acknowledged it or the session was already broken before any COMMIT;
    /// unknown when the ROLLBACK got no answer in time.
    /// </summary>
    public async Task<UnitOfWorkOutcome> RollBackAsync()
    {
        if (_transaction is not { } transaction)
        {
            return Outcome;
        }

        _transaction = null;
        if (transaction.Connection is not { State: ConnectionState.Open })
        {
            // Broken (dropped mid-result, severity 20, attention timeout): the server ended the session and with it
            // the transaction, which no COMMIT had reached.
            DisposeQuietly(transaction);
            return Outcome = UnitOfWorkOutcome.RolledBack;
        }

        // Only a rollback the server never answered (the app's bound or SqlClient's timeout) leaves the outcome open:
        // an error answer or a connection that breaks under it ends a transaction no COMMIT had reached.
        var failure = await EndAsync(transaction, commit: false).ConfigureAwait(false);
        return Outcome = failure is TimeoutException or SqlException { Number: SqlFailureClassifier.Timeout }
            ? UnitOfWorkOutcome.Unknown
            : UnitOfWorkOutcome.RolledBack;
    }

    /// <summary>
    /// Ends an invocation that never asked for its connection, at once: nothing to roll back or return to the pool
    /// (what <see cref="DisposeAsync"/> does in that case, without its asynchronous machinery).
    /// </summary>
    public void EndUnopened()
    {
        if (_opening is not null)
        {
            throw new InvalidOperationException("The connection was opened: dispose it with DisposeAsync.");
        }

        if (!_disposed)
        {
            _disposed = true;
            _metrics.InvocationEnded(opened: false);
        }
    }

    /// <summary>Rolls back an uncommitted unit of work and returns the connection to the pool, once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _metrics.InvocationEnded(_opening is not null);
        if (_opening is null)
        {
            return; // an invocation that never touched SQL ends here: nothing to close
        }

        if (_transaction is not null)
        {
            await RollBackAsync().ConfigureAwait(false);
        }

        var ending = _abandoned is null ? _opening : Task.WhenAll(_opening, _abandoned);
        if (!ending.IsCompleted)
        {
            // An open or commit that was given up on goes on for a while (bounded by Sql__OpenTimeout, Connect
            // Timeout): its connection is disposed when it ends, not waited for here.
            _ = ending.ContinueWith(static (_, state) => ((InvocationConnection)state!).CloseAsync(), this, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return;
        }

        await CloseAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// The open, then the session context before anything else runs on the connection. A connection whose context
    /// could not be set is disposed, never used: its statements would run as nobody (or, were a reset ever skipped,
    /// as the previous caller, which the read-only key refuses with 15664).
    /// </summary>
    private static async Task<SqlConnection> IdentifyAsync(Task<SqlConnection> opening, SessionContext context, CancellationToken cancellationToken)
    {
        var connection = await opening.ConfigureAwait(false);
        try
        {
            await context.ApplyAsync(connection, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>COMMIT or ROLLBACK within the bound; the failure, if any (a timeout is a <see cref="TimeoutException"/>).</summary>
    private async Task<Exception?> EndAsync(SqlTransaction transaction, bool commit)
    {
        // SqlTransaction has no truly asynchronous commit: it blocks a thread until the server answers or SqlClient's
        // Connect Timeout passes. Run it off the invocation's thread and stop waiting at the app's own bound.
        var ending = Task.Run(() =>
        {
            if (commit)
            {
                transaction.Commit();
            }
            else
            {
                transaction.Rollback();
            }
        });
        try
        {
            await ending.WaitAsync(_factory.CommitTimeout).ConfigureAwait(false);
            DisposeQuietly(transaction);
            return null;
        }
        catch (TimeoutException ex)
        {
            _abandoned = ending.ContinueWith(_ => DisposeQuietly(transaction), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            return ex;
        }
        catch (Exception ex) when (ex is SqlException or InvalidOperationException)
        {
            DisposeQuietly(transaction);
            return ex;
        }
    }

    private async Task CloseAsync()
    {
        _probeBound?.Dispose();
        if (_opening is not { IsCompletedSuccessfully: true } opened)
        {
            return; // the open failed or was given up; the factory disposed what it made
        }

        await opened.Result.DisposeAsync().ConfigureAwait(false);
    }

    private static void DisposeQuietly(SqlTransaction transaction)
    {
        // Disposal must never throw over the invocation's own outcome; a dead connection answers with these.
        try
        {
            transaction.Dispose();
        }
        catch (Exception ex) when (ex is InvalidOperationException or SqlException)
        {
        }
    }
}
