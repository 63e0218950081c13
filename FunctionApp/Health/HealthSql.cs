using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Health;

/// <summary>The health endpoint's one statement: a round trip that touches no table.</summary>
internal static class HealthSql
{
    [SqlParameters("")]
    public const string Ping = "SELECT 1";
}
