namespace AzureSqlFunctions.Todos;

/// <summary>The query string of <c>GET /api/todos</c>, as sent (each value null when absent).</summary>
internal sealed record TodoListQuery(string? Done, string? Limit, string? After);
