namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>The registered statement handlers plus the fallback: <c>SELECT 1</c> works, anything else fails loudly.</summary>
internal sealed class TdsHandlers
{
    private static readonly TdsColumn s_selectOneColumn = new(string.Empty, TdsColumnType.Int, Nullable: false);
    private readonly Lock _gate = new();
    private readonly List<Func<SqlRequest, CancellationToken, ValueTask<SqlResponse?>>> _handlers = [];

    public void Add(Func<SqlRequest, CancellationToken, ValueTask<SqlResponse?>> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers.Add(handler);
        }
    }

    public async ValueTask<SqlResponse> ResolveAsync(SqlRequest request, CancellationToken cancellationToken)
    {
        Func<SqlRequest, CancellationToken, ValueTask<SqlResponse?>>[] handlers;
        lock (_gate)
        {
            handlers = [.. _handlers];
        }

        foreach (var handler in handlers)
        {
            if (await handler(request, cancellationToken) is { } response)
            {
                return response;
            }
        }

        return Fallback(request);
    }

    private static SqlResponse Fallback(SqlRequest request) =>
        string.Equals(request.Text.Trim(), "SELECT 1", StringComparison.OrdinalIgnoreCase)
            ? SqlResponse.Scalar(s_selectOneColumn, 1)
            : SqlResponse.Error(50000, $"TdsServer: no handler for statement '{request.Text}'", 16);
}
