namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>Per-session state a reset clears: the open transaction and its savepoints.</summary>
internal sealed class TdsSessionState(ushort sessionId)
{
    private readonly HashSet<string> _savepoints = new(StringComparer.OrdinalIgnoreCase);

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
}
