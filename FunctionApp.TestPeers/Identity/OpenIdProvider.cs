using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>
/// An Entra ID tenant's sign-in authority on 127.0.0.1, as an API validating access tokens sees it: OpenID Connect
/// discovery at <c>/{tenant}/v2.0/.well-known/openid-configuration</c> and the signing keys (JWKS) at
/// <c>/{tenant}/discovery/v2.0/keys</c>, with the v2.0 issuer <c>{instance}{tenant}/v2.0</c>. It mints RS256 access
/// tokens for users (<c>scp</c>) and apps (<c>roles</c>) with the key it currently signs with, rolls keys over
/// (publish a new one, sign with it, optionally retire the old), counts metadata requests and can fail them.
/// </summary>
public sealed class OpenIdProvider : IAsyncDisposable
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly Lock _gate = new();
    private readonly List<RSA> _rsas = [];
    private readonly List<RsaSecurityKey> _published = [];
    private RsaSecurityKey _signing;
    private WebApplication? _app;
    private int _discoveryRequests;
    private int _keysRequests;
    private volatile bool _failMetadata;

    private OpenIdProvider(string tenantId, TimeProvider time)
    {
        TenantId = tenantId;
        Time = time;
        _signing = NewKey();
        _published.Add(_signing);
    }

    public string TenantId { get; }

    public TimeProvider Time { get; }

    /// <summary>The authority host, ending in "/": what an app's <c>Instance</c> setting names.</summary>
    public Uri Instance { get; private set; } = null!;

    /// <summary>The v2.0 issuer (<c>iss</c>) and authority of the tenant.</summary>
    public string Issuer => $"{Instance}{TenantId}/v2.0";

    public string MetadataAddress => $"{Issuer}/.well-known/openid-configuration";

    public string KeysAddress => $"{Instance}{TenantId}/discovery/v2.0/keys";

    /// <summary>Requests for the discovery document received so far.</summary>
    public int DiscoveryRequests => Volatile.Read(ref _discoveryRequests);

    /// <summary>Requests for the signing keys received so far.</summary>
    public int KeysRequests => Volatile.Read(ref _keysRequests);

    /// <summary>While true, discovery and keys answer 500.</summary>
    public bool FailMetadata
    {
        get => _failMetadata;
        set => _failMetadata = value;
    }

    /// <summary>The key id new tokens are signed with.</summary>
    public string SigningKeyId
    {
        get
        {
            lock (_gate)
            {
                return _signing.KeyId;
            }
        }
    }

    public IReadOnlyList<string> PublishedKeyIds
    {
        get
        {
            lock (_gate)
            {
                return [.. _published.Select(key => key.KeyId)];
            }
        }
    }

    public static async Task<OpenIdProvider> StartAsync(string? tenantId = null, TimeProvider? time = null)
    {
        var provider = new OpenIdProvider(tenantId ?? Guid.NewGuid().ToString(), time ?? TimeProvider.System);
        await provider.ListenAsync();
        return provider;
    }

    /// <summary>
    /// Key rollover: a new key is published and signs every token from now on; <paramref name="retirePrevious"/>
    /// also stops publishing the keys used so far. Returns the new key id.
    /// </summary>
    public string RollOverKeys(bool retirePrevious = false)
    {
        lock (_gate)
        {
            if (retirePrevious)
            {
                _published.Clear();
            }

            _signing = NewKey();
            _published.Add(_signing);
            return _signing.KeyId;
        }
    }

    /// <summary>A signed access token as <paramref name="request"/> describes it.</summary>
    public string Issue(AccessTokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = Time.GetUtcNow();
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["tid"] = request.TenantId ?? TenantId,
            ["sub"] = request.Subject.ObjectId,
            ["azp"] = request.ClientId ?? request.Subject.AppId,
            ["azpacr"] = request.IsAppOnly ? "1" : "0",
            ["ver"] = "2.0",
            // Entra stamps every token with a unique id, so two tokens are never the same string.
            ["uti"] = Base64UrlEncoder.Encode(Guid.NewGuid().ToByteArray()),
        };
        if (!request.WithoutObjectId)
        {
            claims["oid"] = request.Subject.ObjectId;
        }

        if (request.Scopes is { } scopes)
        {
            claims["scp"] = string.Join(' ', scopes);
            claims["name"] = request.Subject.Name;
            claims["preferred_username"] = request.Subject.Name;
        }
        else
        {
            claims["idtyp"] = "app";
        }

        if (request.Roles.Count > 0)
        {
            claims["roles"] = request.Roles.ToList();
        }

        SecurityKey key;
        lock (_gate)
        {
            key = request.SignWithUnpublishedKey ? NewKey() : _signing;
        }

        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = request.Issuer ?? Issuer,
            Audience = request.Audience,
            IssuedAt = (request.IssuedAt ?? now).UtcDateTime,
            NotBefore = (request.NotBefore ?? now).UtcDateTime,
            Expires = (request.Expires ?? now.AddHours(1)).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(deadline.Token);
            await _app.DisposeAsync();
            _app = null;
        }

        lock (_gate)
        {
            _rsas.ForEach(rsa => rsa.Dispose());
            _rsas.Clear();
        }
    }

    private RsaSecurityKey NewKey()
    {
        var rsa = RSA.Create(2048);
        lock (_gate)
        {
            _rsas.Add(rsa);
        }

        return new RsaSecurityKey(rsa) { KeyId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(16)) };
    }

    private async Task ListenAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        var app = builder.Build();
        app.Run(HandleAsync);
        await app.StartAsync();
        Instance = new Uri($"http://127.0.0.1:{new Uri(app.Urls.First()).Port.ToString(CultureInfo.InvariantCulture)}/");
        _app = app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? string.Empty;
        object? body;
        if (string.Equals(path, $"/{TenantId}/v2.0/.well-known/openid-configuration", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _discoveryRequests);
            body = Discovery();
        }
        else if (string.Equals(path, $"/{TenantId}/discovery/v2.0/keys", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _keysRequests);
            body = Keys();
        }
        else
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (_failMetadata)
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }

    private Dictionary<string, object> Discovery() => new(StringComparer.Ordinal)
    {
        ["issuer"] = Issuer,
        ["jwks_uri"] = KeysAddress,
        ["authorization_endpoint"] = $"{Instance}{TenantId}/oauth2/v2.0/authorize",
        ["token_endpoint"] = $"{Instance}{TenantId}/oauth2/v2.0/token",
        ["response_types_supported"] = new[] { "code", "id_token", "code id_token", "id_token token" },
        ["subject_types_supported"] = new[] { "pairwise" },
        ["id_token_signing_alg_values_supported"] = new[] { SecurityAlgorithms.RsaSha256 },
        ["scopes_supported"] = new[] { "openid", "profile", "email", "offline_access" },
        ["tenant_region_scope"] = "EU",
    };

    private Dictionary<string, object> Keys()
    {
        lock (_gate)
        {
            // Public parts only: modulus and exponent, as Entra publishes them.
            return new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["keys"] = _published.Select(key =>
                {
                    var parameters = key.Rsa.ExportParameters(includePrivateParameters: false);
                    return new Dictionary<string, string>(StringComparer.Ordinal)
                    {
                        ["kty"] = "RSA",
                        ["use"] = "sig",
                        ["kid"] = key.KeyId,
                        ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                        ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                    };
                }).ToList(),
            };
        }
    }
}
