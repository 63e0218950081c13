using System.Text.Json.Serialization;

namespace AzureSqlFunctions.Http;

/// <summary>An RFC 9457 problem document, written as <c>application/problem+json</c>.</summary>
internal sealed record ProblemDetails
{
    public const string ContentType = "application/problem+json";

    [JsonPropertyName("type")]
    public required string Type { get; init; }

    [JsonPropertyName("title")]
    public required string Title { get; init; }

    [JsonPropertyName("status")]
    public required int Status { get; init; }

    [JsonPropertyName("detail")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Detail { get; init; }

    [JsonPropertyName("instance")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Instance { get; init; }

    /// <summary>The Functions invocation id, so a caller's report can be found in the logs.</summary>
    [JsonPropertyName("invocationId")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InvocationId { get; init; }

    /// <summary>Per-field validation messages (RFC 9457 extension member).</summary>
    [JsonPropertyName("errors")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>Seconds for the Retry-After header; not part of the body.</summary>
    [JsonIgnore]
    public TimeSpan? RetryAfter { get; init; }
}
