namespace AzureSqlFunctions.Http;

/// <summary>The problem <c>type</c> URIs the API answers with; stable, so clients can switch on them.</summary>
internal static class ProblemTypes
{
    private const string Prefix = "urn:azure-sql-functions:problem:";

    public const string DatabaseUnavailable = Prefix + "database-unavailable";
    public const string TokenUnavailable = Prefix + "token-unavailable";
    public const string AuthenticationFailed = Prefix + "authentication-failed";
    public const string ConnectionPoolExhausted = Prefix + "connection-pool-exhausted";
    public const string RequestCancelled = Prefix + "request-cancelled";
    public const string OutcomeUnknown = Prefix + "outcome-unknown";
    public const string IdempotencyKeyReused = Prefix + "idempotency-key-reused";
    public const string Validation = Prefix + "validation";
    public const string MalformedJson = Prefix + "malformed-json";
    public const string PayloadTooLarge = Prefix + "payload-too-large";
    public const string UnsupportedMediaType = Prefix + "unsupported-media-type";
    public const string NotFound = Prefix + "not-found";
    public const string PreconditionFailed = Prefix + "precondition-failed";
    public const string PreconditionRequired = Prefix + "precondition-required";
    public const string InternalError = Prefix + "internal-error";
    public const string BearerTokenMissing = Prefix + "bearer-token-missing";
    public const string BearerTokenInvalid = Prefix + "bearer-token-invalid";
    public const string BearerRequestMalformed = Prefix + "bearer-request-malformed";
    public const string InsufficientScope = Prefix + "insufficient-scope";
    public const string SigningKeysUnavailable = Prefix + "signing-keys-unavailable";
}
