using System.Net.Http.Headers;
using AzureSqlFunctions.Auth;
using AzureSqlFunctions.TestPeers.Identity;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// The API's sign-in as front ends meet it, on the peers: an <see cref="OpenIdProvider"/> (the tenant's discovery and
/// keys on 127.0.0.1), the API's app registration (its client id is the audience of v2.0 tokens) and a SPA's client id,
/// with the <c>Auth__…</c> settings that point the app at them. <see cref="Shared"/> is started once per test process
/// and is what every app the harness builds trusts unless a test brings its own (to count metadata requests or roll
/// keys). For the real worker through the host peer: put <see cref="Settings"/> in its app settings and
/// <see cref="Authorize(HttpRequestMessage, string)"/> each request.
/// </summary>
internal sealed class ApiSignIn : IAsyncDisposable
{
    private static readonly Lazy<ApiSignIn> SharedSignIn = new(() =>
    {
        var signIn = StartAsync().GetAwaiter().GetResult();
        // Process-wide: it stops with the test process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => signIn.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return signIn;
    });

    private readonly Lock _gate = new();
    private (string Token, DateTimeOffset Renew)? _defaultToken;

    private ApiSignIn(OpenIdProvider provider)
    {
        Provider = provider;
    }

    /// <summary>The one every harness app trusts by default.</summary>
    public static ApiSignIn Shared => SharedSignIn.Value;

    public OpenIdProvider Provider { get; }

    /// <summary>The API app registration's client id: the <c>aud</c> of its v2.0 access tokens.</summary>
    public string Audience { get; } = Guid.NewGuid().ToString();

    /// <summary>The API's application ID URI, which clients prefix scopes with.</summary>
    public string AppIdUri => $"api://{Audience}";

    /// <summary>The SPA's client id (the <c>azp</c> of users' tokens).</summary>
    public string SpaClientId { get; } = Guid.NewGuid().ToString();

    /// <summary>The user the harness signs in when a test names none.</summary>
    public TestPrincipal DefaultUser { get; } = TestPrincipal.Create("default-user@contoso.com");

    /// <summary>The app settings that make the app trust this sign-in (plain http from loopback, explicitly allowed).</summary>
    public (string Key, string? Value)[] Settings =>
    [
        ("Auth__TenantId", Provider.TenantId),
        ("Auth__Audience", Audience),
        ("Auth__Instance", Provider.Instance.ToString()),
        ("Auth__AllowInsecureMetadata", "true"),
    ];

    /// <summary>A valid token of <see cref="DefaultUser"/> with the API's scope, reused while it has more than half its life.</summary>
    public string DefaultUserToken
    {
        get
        {
            lock (_gate)
            {
                var now = Provider.Time.GetUtcNow();
                if (_defaultToken is not { } cached || cached.Renew <= now)
                {
                    _defaultToken = (UserToken(DefaultUser), now.AddMinutes(30));
                }

                return _defaultToken.Value.Token;
            }
        }
    }

    /// <summary>
    /// The owner id the app keys <paramref name="principal"/>'s rows on when it calls with a token of this sign-in:
    /// <c>&lt;tid&gt;:&lt;oid&gt;</c>, both lowercase Guids (written out here, not taken from the app, so a test of
    /// the app's key checks it).
    /// </summary>
    public string OwnerIdOf(TestPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return $"{Guid.Parse(Provider.TenantId):D}:{Guid.Parse(principal.ObjectId):D}";
    }

    /// <summary>The owner id of <see cref="DefaultUser"/>: whose rows a test's table holds unless it says otherwise.</summary>
    public string DefaultOwnerId => OwnerIdOf(DefaultUser);

    public static async Task<ApiSignIn> StartAsync(string? tenantId = null) => new(await OpenIdProvider.StartAsync(tenantId));

    /// <summary>A user's token request through the SPA; with no scopes given, the API's own scope.</summary>
    public AccessTokenRequest UserRequest(TestPrincipal user, params string[] scopes) =>
        AccessTokenRequest.User(user, Audience, SpaClientId, scopes.Length == 0 ? [AuthOptions.DefaultScope] : scopes);

    /// <summary>A service's own token request; with no roles given, the API's app role.</summary>
    public AccessTokenRequest AppRequest(TestPrincipal app, params string[] roles) =>
        AccessTokenRequest.App(app, Audience, roles.Length == 0 ? [AuthOptions.DefaultAppRole] : roles);

    public string UserToken(TestPrincipal user, params string[] scopes) => Provider.Issue(UserRequest(user, scopes));

    public string AppToken(TestPrincipal app, params string[] roles) => Provider.Issue(AppRequest(app, roles));

    /// <summary>Sets <c>Authorization: Bearer</c> on a request for the host peer.</summary>
    public static HttpRequestMessage Authorize(HttpRequestMessage request, string token)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public ValueTask DisposeAsync() => Provider.DisposeAsync();
}
