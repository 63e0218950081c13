using System.Collections.Concurrent;

namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>What the server has seen since it started or since <see cref="TdsServer.ResetCounters"/>. Thread-safe.</summary>
public sealed class TdsCounters
{
    private readonly ConcurrentDictionary<string, PrincipalLogins> _byPrincipal = new(StringComparer.OrdinalIgnoreCase);
    private int _physicalLogins;
    private int _failedLogins;
    private int _openSessions;
    private int _maxConcurrentSessions;
    private int _statements;
    private int _transactionsBegun;
    private int _transactionsCommitted;
    private int _transactionsRolledBack;
    private int _resetConnections;
    private int _attentions;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>Successful logins: each one is a physical connection the client's pool opened.</summary>
    public int PhysicalLogins => Volatile.Read(ref _physicalLogins);

    public int FailedLogins => Volatile.Read(ref _failedLogins);

    /// <summary>Sessions past a successful login that are still connected (pooled connections included).</summary>
    public int OpenSessions => Volatile.Read(ref _openSessions);

    public int MaxConcurrentSessions => Volatile.Read(ref _maxConcurrentSessions);

    /// <summary>SQL batches and RPCs received (each RPC of a batched RPC counts).</summary>
    public int Statements => Volatile.Read(ref _statements);

    public int TransactionsBegun => Volatile.Read(ref _transactionsBegun);

    public int TransactionsCommitted => Volatile.Read(ref _transactionsCommitted);

    /// <summary>Explicit rollbacks plus open transactions rolled back by a connection reset or a session ending.</summary>
    public int TransactionsRolledBack => Volatile.Read(ref _transactionsRolledBack);

    /// <summary>Requests whose first packet carried RESETCONNECTION (pooled connection reuse).</summary>
    public int ResetConnections => Volatile.Read(ref _resetConnections);

    public int Attentions => Volatile.Read(ref _attentions);

    /// <summary>Principals (by <c>oid</c>) that logged in successfully.</summary>
    public IReadOnlyCollection<string> Principals => [.. _byPrincipal.Keys];

    /// <summary>Successful logins by the principal with this <c>oid</c>.</summary>
    public int LoginsBy(string objectId) => _byPrincipal.TryGetValue(objectId, out var logins) ? logins.Count : 0;

    /// <summary>The distinct token strings this principal logged in with (a new one means the client rotated).</summary>
    public IReadOnlyCollection<string> TokensSeenBy(string objectId) =>
        _byPrincipal.TryGetValue(objectId, out var logins) ? logins.Tokens : [];

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, woken by every change the server records (not by polling),
    /// so a test reads what the server did after the client saw its answer: a session closing, a rollback counted.
    /// </summary>
    public async Task WaitUntilAsync(Func<TdsCounters, bool> condition, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(condition);
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            var changed = Volatile.Read(ref _changed).Task;
            if (condition(this))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                if (condition(this))
                {
                    return;
                }

                throw new TimeoutException($"The TDS server's counters did not reach the expected state within {timeout}.");
            }
        }
    }

    internal void LoginSucceeded(string objectId, string token)
    {
        Interlocked.Increment(ref _physicalLogins);
        _byPrincipal.GetOrAdd(objectId, _ => new PrincipalLogins()).Add(token);
        Changed();
    }

    internal void LoginFailed() => Changed(Interlocked.Increment(ref _failedLogins));

    internal void SessionOpened()
    {
        var open = Interlocked.Increment(ref _openSessions);
        int max;
        while (open > (max = Volatile.Read(ref _maxConcurrentSessions))
            && Interlocked.CompareExchange(ref _maxConcurrentSessions, open, max) != max)
        {
        }

        Changed();
    }

    internal void SessionClosed() => Changed(Interlocked.Decrement(ref _openSessions));

    internal void StatementRun() => Changed(Interlocked.Increment(ref _statements));

    internal void TransactionBegun() => Changed(Interlocked.Increment(ref _transactionsBegun));

    internal void TransactionCommitted() => Changed(Interlocked.Increment(ref _transactionsCommitted));

    internal void TransactionRolledBack() => Changed(Interlocked.Increment(ref _transactionsRolledBack));

    internal void ResetConnectionSeen() => Changed(Interlocked.Increment(ref _resetConnections));

    internal void AttentionSeen() => Changed(Interlocked.Increment(ref _attentions));

    /// <summary>Zeroes everything except the sessions open now, which also become the new maximum.</summary>
    internal void Reset()
    {
        _byPrincipal.Clear();
        Volatile.Write(ref _physicalLogins, 0);
        Volatile.Write(ref _failedLogins, 0);
        Volatile.Write(ref _maxConcurrentSessions, OpenSessions);
        Volatile.Write(ref _statements, 0);
        Volatile.Write(ref _transactionsBegun, 0);
        Volatile.Write(ref _transactionsCommitted, 0);
        Volatile.Write(ref _transactionsRolledBack, 0);
        Volatile.Write(ref _resetConnections, 0);
        Volatile.Write(ref _attentions, 0);
        Changed();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void Changed(int _ = 0) => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();
}
