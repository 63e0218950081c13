using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>
/// Mints RS256 JWTs shaped like Entra ID access tokens for Azure SQL and validates them the way the
/// database does: signature, audience, issuer, lifetime. One RSA key per issuer, made at construction.
/// </summary>
public sealed class TokenIssuer : IDisposable
{
    public const string SqlAudience = "https://database.windows.net/";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TokenIssuer(TimeProvider? timeProvider = null, string? tenantId = null)
    {
        Time = timeProvider ?? TimeProvider.System;
        TenantId = tenantId ?? Guid.NewGuid().ToString();
        _key = new RsaSecurityKey(_rsa) { KeyId = Guid.NewGuid().ToString("N") };
    }

    public TimeProvider Time { get; }

    public string TenantId { get; }

    /// <summary>The <c>iss</c> claim, as Entra's v1 endpoint writes it for Azure SQL tokens.</summary>
    public string Issuer => $"https://sts.windows.net/{TenantId}/";

    /// <summary>Lifetime of tokens issued from now on; tests shorten it to force rotation.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public IssuedToken Issue(TestPrincipal principal, string audience = SqlAudience, TimeSpan? lifetime = null)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var now = Time.GetUtcNow();
        var expires = now + (lifetime ?? TokenLifetime);
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["oid"] = principal.ObjectId,
                ["tid"] = TenantId,
                ["appid"] = principal.AppId,
                ["sub"] = principal.ObjectId,
                ["idtyp"] = "app",
                // Entra stamps every token with a unique id, so two tokens are never the same string.
                ["uti"] = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            },
        };
        return new IssuedToken(_handler.CreateToken(descriptor), now, expires, principal);
    }

    /// <summary>Validates signature, issuer and audience with IdentityModel, and lifetime against <see cref="Time"/>.</summary>
    public async Task<TokenCheck> ValidateAsync(string token, string audience = SqlAudience)
    {
        var parameters = new TokenValidationParameters
        {
            IssuerSigningKey = _key,
            ValidIssuer = Issuer,
            ValidAudience = audience,
            ValidateLifetime = false, // checked below against the peer's clock, which tests may fake
            RequireSignedTokens = true,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        var objectId = ReadObjectId(token);
        if (!result.IsValid)
        {
            return TokenCheck.Invalid(objectId, result.Exception?.GetType().Name ?? "invalid token");
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        var now = Time.GetUtcNow().UtcDateTime;
        if (jwt.ValidTo <= now)
        {
            return TokenCheck.Invalid(objectId, "token expired");
        }

        if (jwt.ValidFrom > now)
        {
            return TokenCheck.Invalid(objectId, "token not yet valid");
        }

        return objectId is null ? TokenCheck.Invalid(null, "token has no oid claim") : TokenCheck.Valid(objectId);
    }

    public void Dispose() => _rsa.Dispose();

    private string? ReadObjectId(string token)
    {
        if (!_handler.CanReadToken(token))
        {
            return null;
        }

        var jwt = _handler.ReadJsonWebToken(token);
        return jwt.TryGetPayloadValue<string>("oid", out var oid) ? oid : null;
    }

    /// <summary>Claims of a token this issuer minted, for assertions.</summary>
    public IReadOnlyList<Claim> ReadClaims(string token) => _handler.ReadJsonWebToken(token).Claims.ToList();
}
