using System.Text.Json.Serialization;

namespace AzureSqlFunctions.Health;

/// <summary>The SQL check: a <c>SELECT 1</c> round trip on the invocation's connection.</summary>
internal sealed record SqlHealth(
    string Status,
    long LatencyMs,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
