namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A statement the server received, for assertions.</summary>
/// <param name="SessionId">The physical session (SPID) it ran on: one per login, kept across pooled reuse.</param>
/// <param name="TransactionDescriptor">The descriptor from ALL_HEADERS, or null when outside a transaction.</param>
public sealed record RecordedStatement(
    string Text,
    IReadOnlyList<SqlParameterValue> Parameters,
    int SessionId,
    ulong? TransactionDescriptor,
    TdsRequestKind Kind)
{
    /// <summary>The session context (key → value) the statement ran under; for a <c>sp_set_session_context</c> call, before it.</summary>
    public IReadOnlyDictionary<string, object?> SessionContext { get; init; } = new Dictionary<string, object?>();

    /// <summary>
    /// Whether the statement's request carried RESETCONNECTION and this is its first statement: the client's pool
    /// handed the session out again, and the server reset it (transaction, session context) before running it.
    /// </summary>
    public bool ResetConnection { get; init; }

    /// <summary>Whether this is a call of <c>sp_set_session_context</c> (served by the peer itself).</summary>
    public bool IsSessionContextCall => Requests.TdsSessionContext.IsSetCall(Text);
}
