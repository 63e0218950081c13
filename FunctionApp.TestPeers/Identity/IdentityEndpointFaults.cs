namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>
/// Failures a test can switch on and off while the managed-identity endpoint runs. A fault answer
/// comes before any other check, the way an unhealthy host fails whatever it is asked.
/// </summary>
public sealed class IdentityEndpointFaults
{
    private readonly Lock _gate = new();
    private readonly Func<Task> _refuse;
    private readonly Func<Task> _accept;
    private int _failuresLeft;
    private int _failNextStatus = 500;
    private bool _failAlways;
    private int _failAlwaysStatus = 500;
    private TimeSpan _delay;

    internal IdentityEndpointFaults(Func<Task> refuse, Func<Task> accept)
    {
        _refuse = refuse;
        _accept = accept;
    }

    /// <summary>Answers the next <paramref name="count"/> requests with <paramref name="status"/> instead of a token.</summary>
    public void FailNext(int count, int status = 500)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        lock (_gate)
        {
            _failuresLeft = count;
            _failNextStatus = status;
        }
    }

    /// <summary>While true, every request is answered with <see cref="FailAlwaysStatus"/>.</summary>
    public bool FailAlways
    {
        get { lock (_gate) { return _failAlways; } }
        set { lock (_gate) { _failAlways = value; } }
    }

    public int FailAlwaysStatus
    {
        get { lock (_gate) { return _failAlwaysStatus; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 400);
            lock (_gate) { _failAlwaysStatus = value; }
        }
    }

    /// <summary>How long every answer waits before it is written; zero for none.</summary>
    public TimeSpan Delay
    {
        get { lock (_gate) { return _delay; } }
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, TimeSpan.Zero);
            lock (_gate) { _delay = value; }
        }
    }

    /// <summary>Failures still queued by <see cref="FailNext"/>.</summary>
    public int FailuresLeft
    {
        get { lock (_gate) { return _failuresLeft; } }
    }

    /// <summary>Stops listening; connections are refused until <see cref="AcceptConnectionsAsync"/>. The port is kept.</summary>
    public Task RefuseConnectionsAsync() => _refuse();

    /// <summary>Listens again on the same port, so the environment the test applied stays valid.</summary>
    public Task AcceptConnectionsAsync() => _accept();

    /// <summary>Clears every fault (does not reopen a refused listener).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _failuresLeft = 0;
            _failAlways = false;
            _delay = TimeSpan.Zero;
        }
    }

    internal bool TryTakeFailure(out int status)
    {
        lock (_gate)
        {
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                status = _failNextStatus;
                return true;
            }

            status = _failAlwaysStatus;
            return _failAlways;
        }
    }
}
