namespace AzureSqlFunctions.Health;

/// <summary>The status words the health report uses.</summary>
internal static class HealthStatus
{
    public const string Healthy = "healthy";
    public const string Unhealthy = "unhealthy";
    public const string Alive = "alive";
}
