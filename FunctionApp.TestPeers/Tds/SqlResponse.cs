namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>What a handler answers: result sets, counts and errors, sent in order.</summary>
public sealed class SqlResponse
{
    private SqlResponse(IReadOnlyList<TdsResponsePart> parts) => Parts = parts;

    public IReadOnlyList<TdsResponsePart> Parts { get; }

    public static SqlResponse Rows(IReadOnlyList<TdsColumn> columns, IEnumerable<object?[]> rows) =>
        new([new TdsResultSet(columns, rows)]);

    /// <summary>A single column, single row result, like <c>SELECT 1</c> or <c>SELECT SCOPE_IDENTITY()</c>.</summary>
    public static SqlResponse Scalar(TdsColumn column, object? value) => Rows([column], [[value]]);

    public static SqlResponse Affected(long rows) => new([new TdsRowsAffected(rows)]);

    public static SqlResponse Error(int number, string message, byte severity = 16) =>
        new([new TdsError(number, message, severity)]);

    /// <summary>No result at all (DDL, SET ...).</summary>
    public static SqlResponse Empty() => new([]);

    public SqlResponse ThenRows(IReadOnlyList<TdsColumn> columns, IEnumerable<object?[]> rows) =>
        Then(new TdsResultSet(columns, rows));

    public SqlResponse ThenAffected(long rows) => Then(new TdsRowsAffected(rows));

    public SqlResponse ThenError(int number, string message, byte severity = 16) => Then(new TdsError(number, message, severity));

    public SqlResponse Then(TdsResponsePart part) => new([.. Parts, part]);
}
