namespace AzureSqlFunctions.Auth;

/// <summary>What checking a request's bearer token decided (RFC 6750 names the failures).</summary>
public enum BearerOutcome
{
    /// <summary>Valid, with the scope or role the API requires.</summary>
    Accepted,

    /// <summary>No bearer token at all: 401 without an error code.</summary>
    Missing,

    /// <summary>The credentials are sent wrongly (twice, empty, in the URL): 400 <c>invalid_request</c>.</summary>
    Malformed,

    /// <summary>Not a token this API accepts (signature, issuer, tenant, audience, lifetime): 401 <c>invalid_token</c>.</summary>
    Invalid,

    /// <summary>Valid, but without the scope or app role: 403 <c>insufficient_scope</c>.</summary>
    InsufficientScope,

    /// <summary>The tenant's signing keys could not be loaded: 503, the caller may retry.</summary>
    KeysUnavailable,
}
