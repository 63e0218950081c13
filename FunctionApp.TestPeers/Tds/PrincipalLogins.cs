namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>Logins by one principal: how many, and with which distinct tokens.</summary>
internal sealed class PrincipalLogins
{
    private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Count { get; private set; }

    public IReadOnlyCollection<string> Tokens
    {
        get
        {
            lock (_gate)
            {
                return [.. _tokens];
            }
        }
    }

    public void Add(string token)
    {
        lock (_gate)
        {
            Count++;
            _tokens.Add(token);
        }
    }
}
