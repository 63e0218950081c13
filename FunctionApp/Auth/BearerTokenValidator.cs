using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.Auth;

/// <summary>
/// Validates Entra ID v2.0 access tokens with Microsoft.IdentityModel: <see cref="JsonWebTokenHandler"/> checks the
/// RS256 signature against the tenant's published keys (<see cref="TenantSigningKeys"/>), the issuer, the audience
/// and the lifetime (with a small skew); then the tenant (<c>tid</c>), the caller's ids and the required scope or app
/// role are checked here. One instance for the app.
/// </summary>
internal sealed partial class BearerTokenValidator : IDisposable
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly AuthOptions _options;
    private readonly HttpClient _http;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly Guid _tenantId;

    public BearerTokenValidator(IOptions<AuthOptions> options, TimeProvider time, ILogger<BearerTokenValidator> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _tenantId = Guid.Parse(_options.TenantId!);
        _http = new HttpClient { Timeout = MetadataTimeout };
        Keys = new TenantSigningKeys(
            _options.MetadataAddress,
            new HttpDocumentRetriever(_http) { RequireHttps = !_options.AllowInsecureMetadata },
            ParametersFor,
            _options.MetadataRefreshInterval,
            time,
            logger);
    }

    /// <summary>The tenant's signing keys, as cached.</summary>
    public TenantSigningKeys Keys { get; }

    public AuthOptions Options => _options;

    /// <summary>Checks the credentials <paramref name="request"/> carries.</summary>
    public async Task<BearerCheck> CheckAsync(HttpRequest request)
    {
        var (token, failure) = BearerCredentials.Read(request);
        return failure ?? await CheckTokenAsync(token!);
    }

    /// <summary>Checks one access token (the text after <c>Bearer </c>).</summary>
    public async Task<BearerCheck> CheckTokenAsync(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (await Keys.CurrentAsync() is not { } keys)
        {
            return BearerCheck.KeysUnavailable;
        }

        var result = await _handler.ValidateTokenAsync(token, keys.Parameters);
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && NamesAnRs256Key(token) && await Keys.RefreshForUnknownKeyAsync(keys) is { } fresh)
        {
            // A key id the held keys lack: the tenant may have rolled its keys over.
            result = await _handler.ValidateTokenAsync(token, fresh.Parameters);
        }

        return result.IsValid
            ? Authorize((JsonWebToken)result.SecurityToken)
            : BearerCheck.Invalid(TokenFailures.Describe(result.Exception));
    }

    public void Dispose()
    {
        Keys.Dispose();
        _http.Dispose();
    }

    /// <summary>Only an RS256 token naming a key id can be helped by re-reading the keys (an HS256 or kid-less one cannot).</summary>
    private bool NamesAnRs256Key(string token)
    {
        var header = _handler.ReadJsonWebToken(token);
        return !string.IsNullOrEmpty(header.Kid) && string.Equals(header.Alg, SecurityAlgorithms.RsaSha256, StringComparison.Ordinal);
    }

    private TokenValidationParameters ParametersFor(IReadOnlyCollection<SecurityKey> keys) => new()
    {
        IssuerSigningKeys = keys,
        ValidIssuer = _options.Issuer,
        ValidAudience = _options.Audience,
        // Entra signs access tokens with RS256 only: this also refuses alg "none" and HMAC key confusion.
        ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        RequireAudience = true,
        ClockSkew = _options.ClockSkew,
        // The token's kid names its key; an unknown kid means new keys (or a forgery), not "try them all".
        TryAllIssuerSigningKeys = false,
    };

    /// <summary>The tenant, the caller's ids and the scope or role, on a token whose signature, issuer, audience and lifetime passed.</summary>
    private BearerCheck Authorize(JsonWebToken token)
    {
        if (!Guid.TryParse(Text(token, "tid"), out var tenantId) || tenantId != _tenantId)
        {
            return BearerCheck.Invalid(TokenFailures.WrongTenant);
        }

        if (!Guid.TryParse(Text(token, "oid"), out var objectId))
        {
            return BearerCheck.Invalid("The token names no user or app (no oid claim).");
        }

        var clientId = Text(token, "azp") ?? Text(token, "appid") ?? string.Empty;
        var roles = token.TryGetPayloadValue<string[]>("roles", out var granted) ? granted : [];
        if (Text(token, "scp") is { } scopeText)
        {
            // A delegated token: the user's client app must have been granted the API's scope.
            var scopes = scopeText.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return scopes.Contains(_options.Scope, StringComparer.Ordinal)
                ? BearerCheck.Accepted(new Caller(tenantId, objectId, clientId, CallerKind.User, scopes, roles))
                : BearerCheck.InsufficientScope($"The token does not grant the scope {_options.Scope}.");
        }

        // App-only (client credentials): the service must have been assigned the API's app role.
        return roles.Contains(_options.AppRole, StringComparer.Ordinal)
            ? BearerCheck.Accepted(new Caller(tenantId, objectId, clientId, CallerKind.Application, [], roles))
            : BearerCheck.InsufficientScope($"The app-only token does not carry the app role {_options.AppRole}.");
    }

    private static string? Text(JsonWebToken token, string claim) =>
        token.TryGetPayloadValue<string>(claim, out var value) && !string.IsNullOrEmpty(value) ? value : null;
}
