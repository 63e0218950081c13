using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// Says why a token was refused, in fixed words safe for a client and a log: the library's own messages are not
/// passed on (they may quote claims or keys).
/// </summary>
internal static class TokenFailures
{
    public const string WrongTenant = "The token was issued for another tenant.";

    public static string Describe(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "The token has expired.",
        SecurityTokenNotYetValidException => "The token is not valid yet.",
        SecurityTokenNoExpirationException => "The token has no expiry.",
        SecurityTokenInvalidLifetimeException => "The token's lifetime is not valid.",
        SecurityTokenInvalidAudienceException => "The token is for another audience.",
        SecurityTokenInvalidIssuerException => "The token was issued by another tenant or authority (this API accepts its tenant's v2.0 tokens).",
        SecurityTokenSignatureKeyNotFoundException => "The token is signed with a key the tenant does not publish.",
        SecurityTokenInvalidAlgorithmException => "The token's signing algorithm is not accepted (RS256 only).",
        SecurityTokenInvalidSignatureException => "The token's signature is not valid.",
        SecurityTokenMalformedException => "The token is not a well-formed JWT.",
        _ => "The token could not be validated.",
    };
}
