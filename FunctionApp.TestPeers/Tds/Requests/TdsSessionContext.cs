namespace AzureSqlFunctions.TestPeers.Tds.Requests;

/// <summary>
/// <c>sp_set_session_context @key, @value [, @read_only]</c> as an RPC (by name, with or without <c>sys.</c>; by
/// position when the parameters are unnamed), served by the peer itself like the system procedure it is: handlers
/// never see it, and each later statement carries the context it ran under (<see cref="SqlRequest.SessionContext"/>).
/// A SQL batch that calls it (<c>EXEC sp_set_session_context …</c> in text) is not parsed: it reaches the handlers.
/// </summary>
internal static class TdsSessionContext
{
    /// <summary>SQL Server's error for a set of a key made read-only on this logical connection (severity 16, state 1).</summary>
    public const int ReadOnlyKeyError = 15664;

    public static readonly IReadOnlyDictionary<string, object?> Empty = new Dictionary<string, object?>(StringComparer.Ordinal);

    public static bool IsSetCall(string text) =>
        text.Trim() is var name
        && (Named(name, "sp_set_session_context") || Named(name, "sys.sp_set_session_context") || Named(name, "[sys].[sp_set_session_context]"));

    public static TdsError? Apply(TdsSessionState state, IReadOnlyList<SqlParameterValue> parameters)
    {
        var key = Argument(parameters, "@key", 0);
        if (key?.Value is not string keyText || keyText.Length == 0)
        {
            return new TdsError(201, "Procedure or function 'sp_set_session_context' expects parameter '@key', which was not supplied.", 16);
        }

        var value = Argument(parameters, "@value", 1)?.Value;
        var readOnly = Argument(parameters, "@read_only", 2)?.Value is true or (byte)1 or 1;
        return state.SetContext(keyText, value, readOnly);
    }

    private static SqlParameterValue? Argument(IReadOnlyList<SqlParameterValue> parameters, string name, int position) =>
        parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? (position < parameters.Count && string.IsNullOrEmpty(parameters[position].Name) ? parameters[position] : null);

    private static bool Named(string text, string name) => string.Equals(text, name, StringComparison.OrdinalIgnoreCase);
}
