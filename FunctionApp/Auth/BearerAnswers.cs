using AzureSqlFunctions.Http;
using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// The answers to refused credentials: a problem document plus the RFC 6750 §3 challenge in <c>WWW-Authenticate</c>
/// (no error code when no token was sent; <c>invalid_request</c>, <c>invalid_token</c> or <c>insufficient_scope</c>
/// otherwise). Descriptions are fixed ASCII text without quotes or backslashes, as the header's syntax requires.
/// </summary>
internal static class BearerAnswers
{
    public const string ChallengeHeader = "WWW-Authenticate";

    /// <summary>How long a caller should wait when the signing keys could not be loaded.</summary>
    public static readonly TimeSpan KeysRetryAfter = TimeSpan.FromSeconds(10);

    public static IResult For(BearerCheck check, AuthOptions options, string invocationId)
    {
        ArgumentNullException.ThrowIfNull(check);
        ArgumentNullException.ThrowIfNull(options);
        return check.Outcome switch
        {
            BearerOutcome.Missing => Challenged(ApiProblems.BearerTokenMissing(invocationId), "Bearer"),
            BearerOutcome.Malformed => Challenged(ApiProblems.BearerRequestMalformed(check.Description, invocationId), Challenge("invalid_request", check.Description)),
            BearerOutcome.Invalid => Challenged(ApiProblems.BearerTokenInvalid(check.Description, invocationId), Challenge("invalid_token", check.Description)),
            BearerOutcome.InsufficientScope => Challenged(
                ApiProblems.InsufficientScope(
                    $"{check.Description} A signed-in user's client app needs the delegated scope {options.Scope}; a service calling as itself needs the app role {options.AppRole}.",
                    invocationId),
                Challenge("insufficient_scope", check.Description) + $", scope=\"{options.Scope}\""),
            BearerOutcome.KeysUnavailable => new HeaderedResult(
                ApiProblems.SigningKeysUnavailable(invocationId),
                new KeyValuePair<string, string>("Retry-After", SqlFailureProblems.RetryAfterSeconds(KeysRetryAfter))),
            _ => throw new ArgumentOutOfRangeException(nameof(check), check.Outcome, "An accepted check has no refusal to answer."),
        };
    }

    private static string Challenge(string error, string description) => $"Bearer error=\"{error}\", error_description=\"{description}\"";

    private static HeaderedResult Challenged(IResult problem, string challenge) =>
        new(problem, new KeyValuePair<string, string>(ChallengeHeader, challenge));
}
