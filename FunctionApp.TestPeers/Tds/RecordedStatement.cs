namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A statement the server received, for assertions.</summary>
/// <param name="TransactionDescriptor">The descriptor from ALL_HEADERS, or null when outside a transaction.</param>
public sealed record RecordedStatement(
    string Text,
    IReadOnlyList<SqlParameterValue> Parameters,
    int SessionId,
    ulong? TransactionDescriptor,
    TdsRequestKind Kind);
