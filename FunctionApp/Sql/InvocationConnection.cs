using System.Data;
using AzureSqlFunctions.Telemetry;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Sql;

/// <summary>
/// The one SQL connection of one function invocation (a unit of work in the eShop TransactionBehavior sense).
/// Nothing is opened until a handler first asks; later asks in the same invocation get the same open connection.
/// A handler may opt into a transaction with <see cref="BeginUnitOfWorkAsync"/>: the middleware commits it with
/// <see cref="CompleteAsync"/> when the invocation succeeds; otherwise <see cref="DisposeAsync"/> rolls it back.
/// Disposing returns the connection to the pool exactly once. Not thread-safe: one invocation, one flow.
/// </summary>
internal sealed class InvocationConnection : IAsyncDisposable
{
    private readonly SqlConnectionFactory _factory;
    private readonly SqlMetrics _metrics;
    private readonly CancellationToken _invocationCancelled;
    private Task<SqlConnection>? _opening;
    private SqlTransaction? _transaction;
    private bool _disposed;

    public InvocationConnection(SqlConnectionFactory factory, SqlMetrics metrics, CancellationToken invocationCancelled)
    {
        _factory = factory ?? throw new ArgumentNullException(nameof(factory));
        _metrics = metrics ?? throw new ArgumentNullException(nameof(metrics));
        _invocationCancelled = invocationCancelled;
    }

    /// <summary>Whether this invocation has asked for (and so opened, or tried to open) its connection.</summary>
    public bool IsOpened => _opening is not null;

    /// <summary>The unit of work's transaction, once begun; pass it to every command (Dapper needs it).</summary>
    public SqlTransaction? Transaction => _transaction;

    /// <summary>The invocation's cancellation, for commands the handlers run.</summary>
    public CancellationToken CancellationToken => _invocationCancelled;

    /// <summary>Opens the connection on first use; the same open connection afterwards.</summary>
    public Task<SqlConnection> GetOpenConnectionAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _opening ??= _factory.OpenAsync(_invocationCancelled);
    }

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

    /// <summary>The invocation succeeded: commit the unit of work, if one was begun.</summary>
    public Task CompleteAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _transaction is null ? Task.CompletedTask : CommitAsync();
    }

    /// <summary>Rolls back an uncommitted unit of work and returns the connection to the pool, once.</summary>
    public ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return default;
        }

        _disposed = true;
        _metrics.InvocationEnded(_opening is not null);

        // An invocation that never touched SQL ends here, synchronously: nothing to close.
        return _opening is null ? default : CloseAsync(_opening);
    }

    private async Task CommitAsync()
    {
        // A commit must not be abandoned half-way by a late cancellation: it runs to its answer.
        await _transaction!.CommitAsync(CancellationToken.None).ConfigureAwait(false);
        await _transaction.DisposeAsync().ConfigureAwait(false);
        _transaction = null;
    }

    private async ValueTask CloseAsync(Task<SqlConnection> opening)
    {
        SqlConnection connection;
        try
        {
            connection = await opening.ConfigureAwait(false);
        }
        catch (Exception) when (!opening.IsCompletedSuccessfully)
        {
            return; // the open failed; the factory already disposed what it made
        }

        try
        {
            if (_transaction is not null)
            {
                await RollBackAsync(_transaction).ConfigureAwait(false);
            }
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async Task RollBackAsync(SqlTransaction transaction)
    {
        // A broken connection (dropped mid-result, deadlock victim, attention) has nothing left to roll back: the
        // server ended the transaction and the pool discards the connection. Disposal must never throw over the
        // invocation's own outcome, so both steps swallow what a dead connection answers.
        try
        {
            if (transaction.Connection is { State: ConnectionState.Open })
            {
                await transaction.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or SqlException)
        {
        }

        try
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is InvalidOperationException or SqlException)
        {
        }
    }
}
