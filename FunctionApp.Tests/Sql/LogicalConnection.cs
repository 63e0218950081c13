using AzureSqlFunctions.TestPeers.Tds;

namespace AzureSqlFunctions.Tests.Sql;

/// <summary>
/// The statements one logical connection ran on a physical session: from the session's first statement after its
/// login, or from one whose request carried RESETCONNECTION (the pool handed the session out again), up to the next
/// such. <see cref="Of"/> cuts what a TDS peer recorded into them, in order.
/// </summary>
internal sealed class LogicalConnection
{
    private LogicalConnection(IReadOnlyList<RecordedStatement> statements) => Statements = statements;

    public IReadOnlyList<RecordedStatement> Statements { get; }

    public int SessionId => Statements[0].SessionId;

    /// <summary>Whether it began on a reused (reset) session rather than a fresh login.</summary>
    public bool Reused => Statements[0].ResetConnection;

    /// <summary>The <c>sp_set_session_context</c> calls it opened with, before any other statement: key → (value, read-only).</summary>
    public IReadOnlyDictionary<string, (object? Value, bool ReadOnly)> Declared =>
        Statements.TakeWhile(s => s.IsSessionContextCall).ToDictionary(
            s => (string)Argument(s, "@key")!,
            s => (Argument(s, "@value"), Argument(s, "@read_only") is true),
            StringComparer.Ordinal);

    /// <summary>Everything after those opening calls.</summary>
    public IReadOnlyList<RecordedStatement> Rest => [.. Statements.SkipWhile(s => s.IsSessionContextCall)];

    public static IReadOnlyList<LogicalConnection> Of(IEnumerable<RecordedStatement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var current = new Dictionary<int, List<RecordedStatement>>();
        var all = new List<List<RecordedStatement>>();
        foreach (var statement in statements)
        {
            if (statement.ResetConnection || !current.TryGetValue(statement.SessionId, out var open))
            {
                open = [];
                current[statement.SessionId] = open;
                all.Add(open);
            }

            open.Add(statement);
        }

        return [.. all.Select(list => new LogicalConnection(list))];
    }

    public override string ToString() =>
        $"session {SessionId}{(Reused ? " (reused)" : string.Empty)}: {string.Join(" | ", Statements.Select(s => s.Text.Length > 40 ? s.Text[..40] : s.Text))}";

    private static object? Argument(RecordedStatement statement, string name) =>
        statement.Parameters.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))?.Value;
}
