namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A statement handed to a handler.</summary>
public sealed class SqlRequest
{
    internal SqlRequest(string text, IReadOnlyList<SqlParameterValue> parameters, int sessionId, ulong? transactionDescriptor, TdsRequestKind kind, IReadOnlyDictionary<string, object?> sessionContext)
    {
        SessionContext = sessionContext;
        Text = text;
        Parameters = parameters;
        SessionId = sessionId;
        TransactionDescriptor = transactionDescriptor;
        Kind = kind;
    }

    public string Text { get; }

    public IReadOnlyList<SqlParameterValue> Parameters { get; }

    public int SessionId { get; }

    public ulong? TransactionDescriptor { get; }

    public bool InTransaction => TransactionDescriptor is not null;

    public TdsRequestKind Kind { get; }

    /// <summary>
    /// The session context (<c>sp_set_session_context</c> keys and values) the statement runs under, as SQL Server's
    /// <c>SESSION_CONTEXT(N'key')</c> would read it; a handler playing a table with a row-level security policy filters
    /// and blocks by it.
    /// </summary>
    public IReadOnlyDictionary<string, object?> SessionContext { get; }

    /// <summary>A session context value, or null when the key is not set (as <c>SESSION_CONTEXT</c> answers NULL).</summary>
    public object? ContextValue(string key) => SessionContext.TryGetValue(key, out var value) ? value : null;

    /// <summary>A parameter's value by name, with or without the <c>@</c>; throws if there is no such parameter.</summary>
    public object? this[string name]
    {
        get
        {
            var wanted = name.StartsWith('@') ? name : "@" + name;
            var found = Parameters.FirstOrDefault(p => string.Equals(p.Name, wanted, StringComparison.OrdinalIgnoreCase))
                ?? throw new KeyNotFoundException($"no parameter {wanted} in '{Text}'");
            return found.Value;
        }
    }
}
