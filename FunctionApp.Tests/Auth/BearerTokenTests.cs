using AzureSqlFunctions.Auth;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.Tests.Todos;
using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Tests.Auth;

/// <summary>
/// Every HTTP call is checked for an Entra v2.0 access token through the app's real middleware and functions: valid
/// user and app tokens reach the function with their caller; missing, malformed, forged, foreign, expired and
/// under-privileged ones are answered 401/400/403 with a problem and an RFC 6750 challenge, and nothing reaches the
/// TDS peer. One sign-in and one TDS peer (playing dbo.Todos) per fixture; the harness's default token is off.
/// </summary>
internal sealed class BearerTokenTests
{
    private const string JwtStart = "eyJ";

    private readonly TodoTable _table = new();
    private readonly TestPrincipal _alice = TestPrincipal.Create("alice@contoso.com");
    private readonly TestPrincipal _bob = TestPrincipal.Create("bob@contoso.com");
    private readonly TestPrincipal _service = TestPrincipal.Create("reporting-service");
    private readonly List<string> _tokensSent = [];
    private ApiSignIn _signIn = null!;
    private ApiSignIn _otherTenant = null!;
    private AppPeers _peers = null!;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    private AppUnderTest _app = null!;

    private OpenIdProvider Provider => _signIn.Provider;

    [OneTimeSetUp]
    public async Task Start()
    {
        _signIn = await ApiSignIn.StartAsync();
        _otherTenant = await ApiSignIn.StartAsync();
        _peers = AppPeers.Start();
        _peers.SignIn = _signIn;
        _table.ServeOn(_peers.Server);
        _app = _peers.App(("Sql__OpenRetries", "0"));
        _app.SendsTokenByDefault = false;
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _peers.DisposeAsync();
        await _signIn.DisposeAsync();
        await _otherTenant.DisposeAsync();
    }

    [SetUp]
    public void Reset()
    {
        _table.Clear();
        _peers.Server.ResetCounters();
    }

    [Test]
    public async Task A_users_token_with_the_scope_reaches_the_function_and_its_database()
    {
        var answer = await SendAsync(Token(_signIn.UserRequest(_alice)));

        Assert.That(answer.Status, Is.EqualTo(200), answer.ToString());
        Assert.That(_peers.Server.Statements, Is.Not.Empty, "the list ran its statement");
    }

    [Test]
    public async Task Two_users_each_reach_the_function_as_themselves()
    {
        var seen = new List<Caller>();

        foreach (var user in new[] { _alice, _bob, _alice })
        {
            var answer = await _app.RunHttpAsync(SignedRequests.Bearer(Token(_signIn.UserRequest(user)), "/api/test"), context =>
            {
                seen.Add(context.GetCaller());
                return Task.FromResult<IResult?>(Results.Ok());
            });
            Assert.That(answer.Status, Is.EqualTo(200), answer.ToString());
        }

        Assert.Multiple(() =>
        {
            Assert.That(seen.Select(c => c.ObjectId.ToString()), Is.EqualTo(new[] { _alice.ObjectId, _bob.ObjectId, _alice.ObjectId }));
            Assert.That(seen.Select(c => c.TenantId.ToString()), Has.All.EqualTo(Provider.TenantId));
            Assert.That(seen.Select(c => c.Kind), Has.All.EqualTo(CallerKind.User));
            Assert.That(seen.Select(c => c.ClientId), Has.All.EqualTo(_signIn.SpaClientId), "azp: the SPA");
            Assert.That(seen[0].Scopes, Is.EqualTo(new[] { AuthOptions.DefaultScope }));
        });
    }

    [Test]
    public async Task A_services_app_only_token_with_the_app_role_is_an_application_caller()
    {
        Caller? caller = null;

        var answer = await _app.RunHttpAsync(SignedRequests.Bearer(Token(_signIn.AppRequest(_service)), "/api/test"), context =>
        {
            caller = context.GetCaller();
            return Task.FromResult<IResult?>(Results.Ok());
        });

        Assert.That(answer.Status, Is.EqualTo(200), answer.ToString());
        Assert.That(caller, Is.EqualTo(caller! with { Kind = CallerKind.Application }));
        Assert.Multiple(() =>
        {
            Assert.That(caller.ObjectId.ToString(), Is.EqualTo(_service.ObjectId));
            Assert.That(caller.ClientId, Is.EqualTo(_service.AppId));
            Assert.That(caller.Roles, Is.EqualTo(new[] { AuthOptions.DefaultAppRole }));
            Assert.That(caller.Scopes, Is.Empty);
        });
    }

    [Test]
    public async Task No_token_is_401_with_a_bare_Bearer_challenge_and_a_problem()
    {
        var answer = await _app.SendAsync(TestRequest.Get(SignedRequests.ListTodos));

        AssertRefused(answer, 401, ProblemTypes.BearerTokenMissing, "Bearer");
    }

    [TestCase("Basic YWxpY2U6c2VjcmV0", TestName = "Another scheme (Basic) is no bearer token")]
    [TestCase("0123456789abcdef0123456789abcdef", TestName = "A bare function key is no bearer token")]
    public async Task Credentials_of_another_kind_are_401_as_if_none_were_sent(string authorization)
    {
        var answer = await _app.SendAsync(TestRequest.Get(SignedRequests.ListTodos).WithHeader("Authorization", authorization));

        AssertRefused(answer, 401, ProblemTypes.BearerTokenMissing, "Bearer");
    }

    [Test]
    public async Task An_App_Service_client_principal_header_is_never_trusted()
    {
        // What App Service Authentication would forward for a signed-in user; anyone can send it where it is off.
        var principal = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $$"""{"auth_typ":"aad","claims":[{"typ":"http://schemas.microsoft.com/identity/claims/objectidentifier","val":"{{_alice.ObjectId}}"}],"name_typ":"name","role_typ":"roles"}"""));
        var request = TestRequest.Get(SignedRequests.ListTodos)
            .WithHeader("X-MS-CLIENT-PRINCIPAL", principal)
            .WithHeader("X-MS-CLIENT-PRINCIPAL-ID", _alice.ObjectId)
            .WithHeader("X-MS-CLIENT-PRINCIPAL-NAME", _alice.Name);

        var answer = await _app.SendAsync(request);

        AssertRefused(answer, 401, ProblemTypes.BearerTokenMissing, "Bearer");
    }

    [TestCase(Broken.WrongAudience, "The token is for another audience.")]
    [TestCase(Broken.AnotherTenantsAuthority, null)]
    [TestCase(Broken.AnotherTenantsIssuerName, "The token was issued by another tenant or authority (this API accepts its tenant's v2.0 tokens).")]
    [TestCase(Broken.AnotherTenantId, TokenFailures.WrongTenant)]
    [TestCase(Broken.V1Issuer, "The token was issued by another tenant or authority (this API accepts its tenant's v2.0 tokens).")]
    [TestCase(Broken.Expired, "The token has expired.")]
    [TestCase(Broken.NotYetValid, "The token is not valid yet.")]
    [TestCase(Broken.AlgNone, null)]
    [TestCase(Broken.Hs256, "The token is signed with a key the tenant does not publish.")]
    [TestCase(Broken.TamperedSignature, "The token's signature is not valid.")]
    [TestCase(Broken.TamperedPayload, "The token's signature is not valid.")]
    [TestCase(Broken.UnknownKeyId, "The token is signed with a key the tenant does not publish.")]
    [TestCase(Broken.NoObjectId, "The token names no user or app (no oid claim).")]
    [TestCase(Broken.NotAJwt, "The token is not a well-formed JWT.")]
    public async Task A_token_the_API_does_not_accept_is_401_invalid_token_and_reaches_no_database(Broken broken, string? description)
    {
        var answer = await SendAsync(BrokenToken(broken));

        AssertRefused(answer, 401, ProblemTypes.BearerTokenInvalid, description is null ? null : $"Bearer error=\"invalid_token\", error_description=\"{description}\"");
        Assert.That(answer.Header("WWW-Authenticate"), Does.StartWith("Bearer error=\"invalid_token\", error_description=\""));
        if (description is not null)
        {
            Assert.That(answer.Json().GetProperty("detail").GetString(), Does.StartWith(description));
        }
    }

    [Test]
    public async Task Lifetime_is_checked_with_a_one_minute_skew()
    {
        var now = DateTimeOffset.UtcNow;
        var justExpired = _signIn.UserRequest(_alice) with { IssuedAt = now.AddHours(-1), NotBefore = now.AddHours(-1), Expires = now.AddSeconds(-30) };
        var expiredPastSkew = justExpired with { Expires = now.AddSeconds(-90) };
        var almostValid = _signIn.UserRequest(_alice) with { NotBefore = now.AddSeconds(30) };

        Assert.Multiple(async () =>
        {
            Assert.That((await SendAsync(Token(justExpired))).Status, Is.EqualTo(200), "30 s past expiry is within the skew");
            Assert.That((await SendAsync(Token(almostValid))).Status, Is.EqualTo(200), "30 s before nbf is within the skew");
            Assert.That((await SendAsync(Token(expiredPastSkew))).Status, Is.EqualTo(401), "90 s past expiry is not");
        });
    }

    [TestCase("User.Read", TestName = "A user token with another scope only")]
    [TestCase("Todos.Read", TestName = "A user token with a similar scope")]
    public async Task A_valid_user_token_without_the_scope_is_403_insufficient_scope(string scope)
    {
        var answer = await SendAsync(Token(_signIn.UserRequest(_alice, scope)));

        AssertRefused(answer, 403, ProblemTypes.InsufficientScope,
            $"Bearer error=\"insufficient_scope\", error_description=\"The token does not grant the scope {AuthOptions.DefaultScope}.\", scope=\"{AuthOptions.DefaultScope}\"");
        Assert.That(answer.Json().GetProperty("detail").GetString(), Does.Contain(AuthOptions.DefaultAppRole));
    }

    [Test]
    public async Task A_user_holding_the_app_role_but_not_the_scope_is_403()
    {
        var request = _signIn.UserRequest(_alice, "User.Read") with { Roles = [AuthOptions.DefaultAppRole] };

        var answer = await SendAsync(Token(request));

        AssertRefused(answer, 403, ProblemTypes.InsufficientScope, null);
    }

    [TestCase(TestName = "An app-only token without the app role")]
    public async Task A_valid_app_token_without_the_role_is_403_insufficient_scope()
    {
        var answer = await SendAsync(Token(_signIn.AppRequest(_service, "Todos.Read.All")));

        AssertRefused(answer, 403, ProblemTypes.InsufficientScope,
            $"Bearer error=\"insufficient_scope\", error_description=\"The app-only token does not carry the app role {AuthOptions.DefaultAppRole}.\", scope=\"{AuthOptions.DefaultScope}\"");
    }

    [Test]
    public async Task Credentials_sent_wrongly_are_400_invalid_request()
    {
        var token = Token(_signIn.UserRequest(_alice));
        var twice = TestRequest.Get(SignedRequests.ListTodos).WithHeader("Authorization", "Bearer " + token).WithHeader("Authorization", "Bearer " + token);
        var inUrl = TestRequest.Get(SignedRequests.ListTodos + "?access_token=" + token);
        var empty = TestRequest.Get(SignedRequests.ListTodos).WithHeader("Authorization", "Bearer   ");

        var answers = new[] { await _app.SendAsync(twice), await _app.SendAsync(inUrl), await _app.SendAsync(empty) };

        Assert.Multiple(() =>
        {
            foreach (var answer in answers)
            {
                AssertRefused(answer, 400, ProblemTypes.BearerRequestMalformed, null);
                Assert.That(answer.Header("WWW-Authenticate"), Does.StartWith("Bearer error=\"invalid_request\", error_description=\""));
            }
        });
    }

    [Test]
    public async Task No_log_line_carries_a_bearer_token()
    {
        await SendAsync(Token(_signIn.UserRequest(_alice)));
        foreach (var broken in Enum.GetValues<Broken>())
        {
            await SendAsync(BrokenToken(broken));
        }

        await SendAsync(Token(_signIn.UserRequest(_alice, "User.Read")));
        var lines = LogLines.All(_app.Logs);

        Assert.That(_app.Logs.GetSnapshot().Where(log => log.Category == typeof(BearerTokenMiddleware).FullName), Is.Not.Empty, "the refusals were logged, so their lines were checked");
        Assert.That(lines.Where(line => line.Contains(JwtStart, StringComparison.Ordinal) || _tokensSent.Any(token => line.Contains(token, StringComparison.Ordinal))), Is.Empty);
    }

    private async Task<HttpAnswer> SendAsync(string token) => await _app.SendAsync(SignedRequests.Bearer(token));

    private string Token(AccessTokenRequest request) => Remember(Provider.Issue(request));

    private string Remember(string token)
    {
        _tokensSent.Add(token);
        return token;
    }

    private string BrokenToken(Broken broken)
    {
        var valid = _signIn.UserRequest(_alice);
        var now = DateTimeOffset.UtcNow;
        return Remember(broken switch
        {
            Broken.WrongAudience => Provider.Issue(valid with { Audience = Guid.NewGuid().ToString() }),
            Broken.AnotherTenantsAuthority => _otherTenant.Provider.Issue(valid),
            Broken.AnotherTenantsIssuerName => Provider.Issue(valid with { Issuer = _otherTenant.Provider.Issuer }),
            Broken.AnotherTenantId => Provider.Issue(valid with { TenantId = _otherTenant.Provider.TenantId }),
            Broken.V1Issuer => Provider.Issue(valid with { Issuer = $"https://sts.windows.net/{Provider.TenantId}/" }),
            Broken.Expired => Provider.Issue(valid with { IssuedAt = now.AddHours(-2), NotBefore = now.AddHours(-2), Expires = now.AddMinutes(-10) }),
            Broken.NotYetValid => Provider.Issue(valid with { NotBefore = now.AddMinutes(10), Expires = now.AddHours(1) }),
            Broken.AlgNone => SignedRequests.Unsigned(Provider.Issue(valid)),
            Broken.Hs256 => SignedRequests.SymmetricallySigned(Provider.Issue(valid)),
            Broken.TamperedSignature => SignedRequests.TamperedSignature(Provider.Issue(valid)),
            Broken.TamperedPayload => SignedRequests.TamperedPayload(Provider.Issue(valid), _bob.ObjectId),
            Broken.UnknownKeyId => Provider.Issue(valid with { SignWithUnpublishedKey = true }),
            Broken.NoObjectId => Provider.Issue(valid with { WithoutObjectId = true }),
            Broken.NotAJwt => "not-a-jwt",
            _ => throw new ArgumentOutOfRangeException(nameof(broken)),
        });
    }

    /// <summary>Asserts a refusal: status, problem type, challenge (when given), and that the database saw nothing.</summary>
    private void AssertRefused(HttpAnswer answer, int status, string type, string? challenge)
    {
        Assert.Multiple(() =>
        {
            Assert.That(answer.Status, Is.EqualTo(status), answer.ToString());
            Assert.That(answer.ContentType, Is.EqualTo("application/problem+json"));
            Assert.That(answer.Json().GetProperty("type").GetString(), Is.EqualTo(type));
            Assert.That(answer.Json().GetProperty("invocationId").GetString(), Is.Not.Empty);
            if (challenge is not null)
            {
                Assert.That(answer.Header("WWW-Authenticate"), Is.EqualTo(challenge));
            }

            Assert.That(_peers.Server.Statements, Is.Empty, "nothing ran at the TDS peer");
            Assert.That(_peers.Server.Counters.PhysicalLogins, Is.Zero, "not even a login");
        });
    }

    /// <summary>The ways a presented token is not one this API accepts.</summary>
    public enum Broken
    {
        WrongAudience,
        AnotherTenantsAuthority,
        AnotherTenantsIssuerName,
        AnotherTenantId,
        V1Issuer,
        Expired,
        NotYetValid,
        AlgNone,
        Hs256,
        TamperedSignature,
        TamperedPayload,
        UnknownKeyId,
        NoObjectId,
        NotAJwt,
    }
}
