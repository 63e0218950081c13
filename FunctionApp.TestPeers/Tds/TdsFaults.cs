namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>Faults a test arms on the server; each is consumed by the session that meets it first. Thread-safe.</summary>
public sealed class TdsFaults
{
    private readonly Lock _gate = new();
    private readonly string _databaseName;
    private TdsError? _loginError;
    private int _loginFailuresLeft;
    private TdsError? _statementError;
    private TdsError? _sessionContextError;
    private bool _keepSessionContextOnReset;
    private int? _dropAfterRows;
    private TdsCommitFault? _commitFault;
    private bool _stallRollback;
    private HeldLogin? _heldLogin;

    internal TdsFaults(string databaseName) => _databaseName = databaseName;

    /// <summary>Delay before the server answers a LOGIN7 (after reading the token).</summary>
    public TimeSpan LoginDelay { get; set; }

    /// <summary>Delay before the server answers each SQL batch, RPC or transaction request; attention cuts it short.</summary>
    public TimeSpan RequestDelay { get; set; }

    /// <summary>
    /// The next <paramref name="count"/> logins that would succeed fail with this error instead. Without a message,
    /// Azure SQL's wording is used for 40613, 40501, 40197, 4060, 10928, 10929 and 49918.
    /// </summary>
    public void FailNextLogins(int number, int count = 1, string? message = null, byte? severity = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        lock (_gate)
        {
            _loginError = new TdsError(number, message ?? AzureSqlErrors.MessageFor(number, _databaseName), severity ?? AzureSqlErrors.SeverityOf(number));
            _loginFailuresLeft = count;
        }
    }

    /// <summary>
    /// The next SQL batch or RPC answers this error instead of reaching a handler. A <c>sp_set_session_context</c> call
    /// is not "the next statement" (it is the connection identifying itself): <see cref="FailNextSessionContext"/> fails it.
    /// </summary>
    public void FailNextStatement(int number, string message, byte severity = 16)
    {
        lock (_gate)
        {
            _statementError = new TdsError(number, message, severity);
        }
    }

    /// <summary>The next <c>sp_set_session_context</c> call answers this error (and sets nothing).</summary>
    public void FailNextSessionContext(int number, string message, byte severity = 16)
    {
        lock (_gate)
        {
            _sessionContextError = new TdsError(number, message, severity);
        }
    }

    /// <summary>
    /// The next RESETCONNECTION leaves the session context as it was, as if the reset had been skipped: the session
    /// is handed to the next logical connection still carrying the previous one's keys (read-only ones refuse a new set).
    /// </summary>
    public void KeepSessionContextOnNextReset()
    {
        lock (_gate)
        {
            _keepSessionContextOnReset = true;
        }
    }

    /// <summary>The next response with rows is cut: the socket closes after <paramref name="afterRows"/> rows were sent.</summary>
    public void DropConnectionDuringNextResult(int afterRows = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterRows);
        lock (_gate)
        {
            _dropAfterRows = afterRows;
        }
    }

    /// <summary>
    /// The next login is held once the server has its token (before validating it or answering), until the test
    /// releases it: the client's open is then in flight with its token sent.
    /// </summary>
    public HeldLogin HoldNextLoginAfterToken()
    {
        lock (_gate)
        {
            return _heldLogin = new HeldLogin();
        }
    }

    /// <summary>The next COMMIT (transaction manager request) meets <paramref name="fault"/>.</summary>
    public void FailNextCommit(TdsCommitFault fault)
    {
        lock (_gate)
        {
            _commitFault = fault;
        }
    }

    /// <summary>The next ROLLBACK is never answered (until attention or the client closes); the transaction still ends.</summary>
    public void StallNextRollback()
    {
        lock (_gate)
        {
            _stallRollback = true;
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _commitFault = null;
            _stallRollback = false;
            _loginError = null;
            _loginFailuresLeft = 0;
            _statementError = null;
            _sessionContextError = null;
            _keepSessionContextOnReset = false;
            _dropAfterRows = null;
            _heldLogin?.Release();
            _heldLogin = null;
            LoginDelay = TimeSpan.Zero;
            RequestDelay = TimeSpan.Zero;
        }
    }

    internal HeldLogin? TakeHeldLogin()
    {
        lock (_gate)
        {
            var held = _heldLogin;
            _heldLogin = null;
            return held;
        }
    }

    internal TdsError? TakeLoginFault()
    {
        lock (_gate)
        {
            if (_loginFailuresLeft == 0 || _loginError is null)
            {
                return null;
            }

            _loginFailuresLeft--;
            return _loginError;
        }
    }

    internal TdsError? TakeStatementFault()
    {
        lock (_gate)
        {
            var fault = _statementError;
            _statementError = null;
            return fault;
        }
    }

    internal TdsError? TakeSessionContextFault()
    {
        lock (_gate)
        {
            var fault = _sessionContextError;
            _sessionContextError = null;
            return fault;
        }
    }

    internal bool TakeKeepSessionContextOnReset()
    {
        lock (_gate)
        {
            var keep = _keepSessionContextOnReset;
            _keepSessionContextOnReset = false;
            return keep;
        }
    }

    internal TdsCommitFault? TakeCommitFault()
    {
        lock (_gate)
        {
            var fault = _commitFault;
            _commitFault = null;
            return fault;
        }
    }

    internal bool TakeRollbackStall()
    {
        lock (_gate)
        {
            var stall = _stallRollback;
            _stallRollback = false;
            return stall;
        }
    }

    internal int? TakeDropAfterRows()
    {
        lock (_gate)
        {
            var rows = _dropAfterRows;
            _dropAfterRows = null;
            return rows;
        }
    }
}

/// <summary>A login the server holds after reading its token (<see cref="TdsFaults.HoldNextLoginAfterToken"/>).</summary>
public sealed class HeldLogin
{
    private readonly TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a login has reached the hold, its token read.</summary>
    public Task Arrived => _arrived.Task;

    /// <summary>Lets the held login go on (validation, then the answer).</summary>
    public void Release() => _released.TrySetResult();

    internal Task HoldAsync(CancellationToken cancellationToken)
    {
        _arrived.TrySetResult();
        return _released.Task.WaitAsync(cancellationToken);
    }
}
