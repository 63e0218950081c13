namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A statement handed to a handler.</summary>
public sealed class SqlRequest
{
    internal SqlRequest(string text, IReadOnlyList<SqlParameterValue> parameters, int sessionId, ulong? transactionDescriptor, TdsRequestKind kind)
    {
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
