namespace AzureSqlFunctions.Health;

/// <summary>The body of <c>GET /api/health</c>, the same shape for 200 and 503.</summary>
internal sealed record HealthReport(string Status, TokenHealth Token, SqlHealth Sql);
