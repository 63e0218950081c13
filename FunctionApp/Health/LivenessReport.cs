namespace AzureSqlFunctions.Health;

/// <summary>The body of <c>GET /api/health/live</c>.</summary>
internal sealed record LivenessReport(string Status);
