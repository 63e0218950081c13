using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AzureSqlFunctions.Http;

/// <summary>
/// The problem answers (RFC 9457, <c>application/problem+json</c>) the API gives; each says what to change and never
/// echoes the raw request. Built on ASP.NET Core's <see cref="ProblemDetails"/> and <see cref="TypedResults"/>.
/// </summary>
internal static class ApiProblems
{
    /// <summary>The extension member carrying the Functions invocation id, so a report can be found in the logs.</summary>
    public const string InvocationIdMember = "invocationId";

    /// <summary>400 with one or more messages per field (or query parameter, or header).</summary>
    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) => TypedResults.Problem(new HttpValidationProblemDetails(errors)
    {
        Type = ProblemTypes.Validation,
        Title = "The request is not valid.",
        Status = StatusCodes.Status400BadRequest,
        Detail = string.Join(" ", errors.SelectMany(e => e.Value.Select(message => $"{e.Key}: {message}"))),
    });

    public static ProblemHttpResult Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] });

    public static ProblemHttpResult MalformedJson(string detail) =>
        Problem(ProblemTypes.MalformedJson, "The request body is not valid JSON.", StatusCodes.Status400BadRequest, detail);

    public static ProblemHttpResult PayloadTooLarge(int maxBytes) =>
        Problem(ProblemTypes.PayloadTooLarge, "The request body is too large.", StatusCodes.Status413PayloadTooLarge, $"The body must be at most {maxBytes} bytes.");

    public static ProblemHttpResult UnsupportedMediaType(string? contentType) => Problem(
        ProblemTypes.UnsupportedMediaType,
        "The request body must be JSON.",
        StatusCodes.Status415UnsupportedMediaType,
        contentType is null
            ? "The request has no Content-Type; send Content-Type: application/json."
            : "The Content-Type is not JSON; send Content-Type: application/json (UTF-8).");

    public static ProblemHttpResult NotFound(string what) =>
        Problem(ProblemTypes.NotFound, "Not found.", StatusCodes.Status404NotFound, $"{what} does not exist or was deleted.");

    public static ProblemHttpResult PreconditionRequired() => Problem(
        ProblemTypes.PreconditionRequired,
        "If-Match is required.",
        StatusCodes.Status428PreconditionRequired,
        "Send the ETag you last read in an If-Match header, so a concurrent change is not overwritten.");

    public static ProblemHttpResult PreconditionFailed() => Problem(
        ProblemTypes.PreconditionFailed,
        "The resource has changed.",
        StatusCodes.Status412PreconditionFailed,
        "The If-Match ETag is not the current one: read the resource again and reapply the change.");

    public static ProblemHttpResult IdempotencyKeyReused() => Problem(
        ProblemTypes.IdempotencyKeyReused,
        "The Idempotency-Key was used for another request.",
        StatusCodes.Status422UnprocessableEntity,
        "This Idempotency-Key was used within the last 24 hours with a different body. Use a new key for a new request.");

    /// <summary>An HTTP invocation failed in a way nobody planned for: no detail of the failure, only where to find it.</summary>
    public static ProblemHttpResult Unexpected(string invocationId) => Problem(
        ProblemTypes.InternalError,
        "The request failed.",
        StatusCodes.Status500InternalServerError,
        "The app failed unexpectedly; the failure is logged under the invocation id. Whether anything was saved is unknown: read before you retry a write.",
        invocationId);

    /// <summary>A problem document; <paramref name="invocationId"/>, when given, becomes the <c>invocationId</c> member.</summary>
    public static ProblemHttpResult Problem(string type, string title, int status, string detail, string? invocationId = null)
    {
        var problem = new ProblemDetails { Type = type, Title = title, Status = status, Detail = detail };
        if (invocationId is not null)
        {
            problem.Extensions[InvocationIdMember] = invocationId;
        }

        return TypedResults.Problem(problem);
    }

    /// <summary>401: the request carries no bearer token (sign in, then send the token).</summary>
    public static ProblemHttpResult BearerTokenMissing(string invocationId) => Problem(
        ProblemTypes.BearerTokenMissing,
        "Sign-in required.",
        StatusCodes.Status401Unauthorized,
        "Send an Entra ID access token for this API in the Authorization header: Bearer <token>.",
        invocationId);

    /// <summary>401: the token is not one this API accepts; <paramref name="detail"/> says which check failed.</summary>
    public static ProblemHttpResult BearerTokenInvalid(string detail, string invocationId) => Problem(
        ProblemTypes.BearerTokenInvalid, "The access token is not valid.", StatusCodes.Status401Unauthorized, detail + " Get a new token and retry.", invocationId);

    /// <summary>400: the credentials are sent in a way the API does not accept.</summary>
    public static ProblemHttpResult BearerRequestMalformed(string detail, string invocationId) => Problem(
        ProblemTypes.BearerRequestMalformed, "The request's credentials are malformed.", StatusCodes.Status400BadRequest, detail, invocationId);

    /// <summary>403: a valid token without the delegated scope or app role the API requires.</summary>
    public static ProblemHttpResult InsufficientScope(string detail, string invocationId) => Problem(
        ProblemTypes.InsufficientScope, "The access token does not grant this API.", StatusCodes.Status403Forbidden, detail, invocationId);

    /// <summary>503: the tenant's signing keys could not be loaded, so no token can be checked now.</summary>
    public static ProblemHttpResult SigningKeysUnavailable(string invocationId) => Problem(
        ProblemTypes.SigningKeysUnavailable,
        "Sign-in cannot be checked right now.",
        StatusCodes.Status503ServiceUnavailable,
        "The app could not load its tenant's token signing keys. Retry after the Retry-After delay.",
        invocationId);
}
