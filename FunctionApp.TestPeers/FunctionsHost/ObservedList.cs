namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>An append-only list that callers can wait on for an item matching a predicate (run under its lock).</summary>
internal sealed class ObservedList<T>
{
    private readonly Lock _gate = new();
    private readonly List<T> _items = [];
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Found)> _waiters = [];

    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }

    public void Add(T item)
    {
        List<TaskCompletionSource<T>> found = [];
        lock (_gate)
        {
            _items.Add(item);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(item))
                {
                    found.Add(_waiters[i].Found);
                    _waiters.RemoveAt(i);
                }
            }
        }

        foreach (var waiter in found)
        {
            waiter.TrySetResult(item);
        }
    }

    /// <summary>The first item (already present or still to come) that matches, or a <see cref="TimeoutException"/>.</summary>
    public async Task<T> WaitForAsync(Func<T, bool> match, TimeSpan timeout, string what)
    {
        ArgumentNullException.ThrowIfNull(match);
        var found = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            foreach (var item in _items)
            {
                if (match(item))
                {
                    return item;
                }
            }

            _waiters.Add((match, found));
        }

        try
        {
            return await found.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                _waiters.RemoveAll(waiter => waiter.Found == found);
            }

            throw new TimeoutException($"No {what} matched within {timeout}.");
        }
    }
}
