namespace AzureSqlFunctions.Auth;

/// <summary>
/// The verdict on one request's credentials: the <see cref="Caller"/> when accepted, otherwise the outcome and a short
/// description for the client (fixed text; never the token, never the library's message).
/// </summary>
public sealed record BearerCheck(BearerOutcome Outcome, Caller? Caller, string Description)
{
    public static BearerCheck Accepted(Caller caller) => new(BearerOutcome.Accepted, caller, "accepted");

    public static BearerCheck Missing { get; } = new(BearerOutcome.Missing, null, "The request carries no bearer token.");

    public static BearerCheck Malformed(string description) => new(BearerOutcome.Malformed, null, description);

    public static BearerCheck Invalid(string description) => new(BearerOutcome.Invalid, null, description);

    public static BearerCheck InsufficientScope(string description) => new(BearerOutcome.InsufficientScope, null, description);

    public static BearerCheck KeysUnavailable { get; } = new(BearerOutcome.KeysUnavailable, null, "The tenant's signing keys could not be loaded.");
}
