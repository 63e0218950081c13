namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>
/// Per-session state a reset clears: the open transaction and its savepoints, and the session context
/// (<c>sp_set_session_context</c> keys, some read-only for the rest of the logical connection).
/// </summary>
internal sealed class TdsSessionState(ushort sessionId)
{
    private readonly HashSet<string> _savepoints = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (object? Value, bool ReadOnly)> _context = new(StringComparer.Ordinal);

    public ushort SessionId { get; } = sessionId;

    public ulong? TransactionDescriptor { get; private set; }

    public void Begin(ulong descriptor)
    {
        TransactionDescriptor = descriptor;
        _savepoints.Clear();
    }

    public void EndTransaction()
    {
        TransactionDescriptor = null;
        _savepoints.Clear();
    }

    public void Save(string name) => _savepoints.Add(name);

    public bool HasSavepoint(string name) => _savepoints.Contains(name);

    /// <summary>
    /// Sets a session context key as SQL Server does: a key set read-only refuses every later set on this logical
    /// connection (15664, the value unchanged), whatever the new value or flag; a writable key can be changed or made
    /// read-only. Returns the error, or null.
    /// </summary>
    public TdsError? SetContext(string key, object? value, bool readOnly)
    {
        if (_context.TryGetValue(key, out var existing) && existing.ReadOnly)
        {
            return new TdsError(
                TdsSessionContext.ReadOnlyKeyError,
                $"Cannot set key '{key}' in the session context. The key has been set as read_only for this session.",
                16);
        }

        _context[key] = (value, readOnly);
        return null;
    }

    /// <summary>The session context now (key → value), a copy.</summary>
    public IReadOnlyDictionary<string, object?> ContextSnapshot() =>
        _context.Count == 0 ? TdsSessionContext.Empty : _context.ToDictionary(entry => entry.Key, entry => entry.Value.Value, StringComparer.Ordinal);

    /// <summary>RESETCONNECTION: the next logical connection starts without any key.</summary>
    public void ClearContext() => _context.Clear();
}
