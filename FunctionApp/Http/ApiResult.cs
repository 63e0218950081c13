using System.Globalization;
using System.Text.Json;

namespace AzureSqlFunctions.Http;

/// <summary>
/// What a Worker-free handler answers: a status, response headers and a JSON body (a resource, or a
/// <see cref="ProblemDetails"/> for errors). The Worker-bound function copies it onto <c>HttpResponseData</c>.
/// </summary>
internal sealed record ApiResult
{
    public const string JsonContentType = "application/json; charset=utf-8";

    public required int Status { get; init; }

    /// <summary>Response headers other than Content-Type (Location, ETag, Retry-After).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>Serialized with <see cref="ApiJson.Options"/>; null for an empty body (204).</summary>
    public object? Body { get; init; }

    /// <summary>The body's media type, or null when there is no body.</summary>
    public string? ContentType => Body switch
    {
        null => null,
        ProblemDetails => ProblemDetails.ContentType,
        _ => JsonContentType,
    };

    /// <summary>The problem, when this result is an error.</summary>
    public ProblemDetails? Problem => Body as ProblemDetails;

    public static ApiResult Json(int status, object body, IReadOnlyDictionary<string, string>? headers = null) => new()
    {
        Status = status,
        Body = body,
        Headers = headers ?? new Dictionary<string, string>(),
    };

    /// <summary>A problem answer; its <see cref="ProblemDetails.RetryAfter"/> becomes a Retry-After header.</summary>
    public static ApiResult From(ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var headers = new Dictionary<string, string>();
        if (problem.RetryAfter is { } retryAfter)
        {
            headers["Retry-After"] = RetryAfterSeconds(retryAfter);
        }

        return new ApiResult { Status = problem.Status, Body = problem, Headers = headers };
    }

    public static ApiResult NoContent() => new() { Status = 204 };

    /// <summary>Whole seconds, rounded up, as the Retry-After header wants them.</summary>
    public static string RetryAfterSeconds(TimeSpan delay) =>
        ((int)Math.Ceiling(delay.TotalSeconds)).ToString(CultureInfo.InvariantCulture);

    /// <summary>The body as JSON text, or null when there is none.</summary>
    public string? SerializeBody() => Body is null ? null : JsonSerializer.Serialize(Body, Body.GetType(), ApiJson.Options);
}
