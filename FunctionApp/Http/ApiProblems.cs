namespace AzureSqlFunctions.Http;

/// <summary>The 4xx problems the API answers with; each says what to change, never echoes the raw request.</summary>
internal static class ApiProblems
{
    /// <summary>400 with one or more messages per field (or query parameter, or header).</summary>
    public static ProblemDetails Validation(IReadOnlyDictionary<string, string[]> errors) => new()
    {
        Type = ProblemTypes.Validation,
        Title = "The request is not valid.",
        Status = 400,
        Detail = string.Join(" ", errors.SelectMany(e => e.Value.Select(message => $"{e.Key}: {message}"))),
        Errors = errors,
    };

    public static ProblemDetails Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails MalformedJson(string detail) => new()
    {
        Type = ProblemTypes.MalformedJson,
        Title = "The request body is not valid JSON.",
        Status = 400,
        Detail = detail,
    };

    public static ProblemDetails PayloadTooLarge(int maxBytes) => new()
    {
        Type = ProblemTypes.PayloadTooLarge,
        Title = "The request body is too large.",
        Status = 413,
        Detail = $"The body must be at most {maxBytes} bytes.",
    };

    public static ProblemDetails UnsupportedMediaType(string? contentType) => new()
    {
        Type = ProblemTypes.UnsupportedMediaType,
        Title = "The request body must be JSON.",
        Status = 415,
        Detail = contentType is null
            ? "The request has no Content-Type; send Content-Type: application/json."
            : "The Content-Type is not JSON; send Content-Type: application/json (UTF-8).",
    };

    public static ProblemDetails NotFound(string what) => new()
    {
        Type = ProblemTypes.NotFound,
        Title = "Not found.",
        Status = 404,
        Detail = $"{what} does not exist or was deleted.",
    };

    public static ProblemDetails PreconditionRequired() => new()
    {
        Type = ProblemTypes.PreconditionRequired,
        Title = "If-Match is required.",
        Status = 428,
        Detail = "Send the ETag you last read in an If-Match header, so a concurrent change is not overwritten.",
    };

    public static ProblemDetails PreconditionFailed() => new()
    {
        Type = ProblemTypes.PreconditionFailed,
        Title = "The resource has changed.",
        Status = 412,
        Detail = "The If-Match ETag is not the current one: read the resource again and reapply the change.",
    };
}
