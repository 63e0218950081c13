using System.Text.Json.Serialization;

namespace AzureSqlFunctions.Health;

/// <summary>The token check: whether a token came, how fast, from which credential type. Never the token.</summary>
internal sealed record TokenHealth(
    string Status,
    long LatencyMs,
    string Credential,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error = null);
