using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>
/// The App Service managed-identity endpoint (api-version 2019-08-01) on 127.0.0.1, minting tokens from a
/// <see cref="TokenIssuer"/>. Azure.Identity's <c>ManagedIdentityCredential</c> (through MSAL) talks to it
/// once <see cref="ApplyToEnvironment"/> has set IDENTITY_ENDPOINT and IDENTITY_HEADER.
/// </summary>
/// <remarks>
/// What the client does, as pinned by FunctionApp.Tests/TestPeers/Identity (Azure.Identity 1.21 forwards to
/// Azure.Core 1.60, which uses MSAL 4.84):
/// <list type="bullet">
/// <item>It sends <c>GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&amp;resource=https://database.windows.net</c>
/// (the scope minus <c>/.default</c>, no trailing slash) with <c>X-IDENTITY-HEADER</c>, plus <c>client_id</c>
/// for a user-assigned identity; it reads <c>access_token</c> and <c>expires_on</c> (unix seconds).</item>
/// <item>MSAL caches managed-identity tokens in a static, process-wide cache: a second credential instance
/// for the same identity and resource gets the cached token without a request. Tests reset it
/// (<c>Microsoft.Identity.Client.ApplicationBase.ResetStateForTest()</c>) or use a fresh user-assigned identity.</item>
/// <item>MSAL serialises managed-identity requests behind one static semaphore and re-reads the cache
/// after it, so concurrent cold callers cause a single request.</item>
/// <item>MSAL treats a cached token within 5 minutes of expiry as expired and fetches a new one.</item>
/// <item>IDENTITY_ENDPOINT is read per token request, not at credential construction.</item>
/// <item>On 500 (and refused connections) the credential retries 5 times with exponential back-off (about
/// 25 s in all with default options). <c>Retry.MaxRetries</c> is ignored (forced to 5); <c>Retry.Delay</c>,
/// <c>Retry.MaxDelay</c> and <c>Retry.NetworkTimeout</c> are honoured; a custom <c>RetryPolicy</c> replaces it.
/// 4xx answers are not retried.</item>
/// <item>Failures surface as <c>AuthenticationFailedException</c> (4xx, 500s, a timed-out answer), except refused
/// connections after all retries, which give <c>CredentialUnavailableException</c>.</item>
/// </list>
/// </remarks>
public sealed class ManagedIdentityEndpoint : IAsyncDisposable
{
    public const string TokenPath = "/msi/token";
    public const string ApiVersion = "2019-08-01";
    public const string HeaderName = "X-IDENTITY-HEADER";

    // Variables that make Azure.Identity/MSAL pick another managed-identity source (Service Fabric, Cloud Shell,
    // Azure ML, Arc, workload identity, pod identity) or another identity; cleared while the endpoint applies.
    private static readonly string[] DivertingVariables =
    [
        "MSI_ENDPOINT", "MSI_SECRET", "IDENTITY_SERVER_THUMBPRINT", "IDENTITY_API_VERSION", "IMDS_ENDPOINT",
        "AZURE_POD_IDENTITY_AUTHORITY_HOST", "DEFAULT_IDENTITY_CLIENT_ID", "AZURE_CLIENT_ID", "AZURE_TENANT_ID",
        "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST", "AZURE_KUBERNETES_TOKEN_PROXY",
    ];

    private readonly TokenIssuer _issuer;
    private readonly TestPrincipal _systemAssigned;
    private readonly ConcurrentDictionary<string, TestPrincipal> _userAssigned = new(StringComparer.OrdinalIgnoreCase);
    private readonly AudienceCatalog _audiences = new();
    private readonly ConcurrentQueue<IdentityEndpointRequest> _requests = new();
    private readonly CancellationTokenSource _disposing = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private int _requestCount;
    private int _tokensIssued;
    private bool _disposed;

    private ManagedIdentityEndpoint(TokenIssuer issuer, TestPrincipal systemAssigned)
    {
        _issuer = issuer;
        _systemAssigned = systemAssigned;
        Faults = new IdentityEndpointFaults(RefuseConnectionsAsync, AcceptConnectionsAsync);
    }

    /// <summary>Where the credential sends requests: the IDENTITY_ENDPOINT value.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{TokenPath}");

    public int Port { get; private set; }

    /// <summary>The secret App Service puts in IDENTITY_HEADER; requests must echo it in <see cref="HeaderName"/>.</summary>
    public string Header { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public TestPrincipal SystemAssigned => _systemAssigned;

    public IdentityEndpointFaults Faults { get; }

    /// <summary>Every HTTP request that reached the endpoint, answered or not.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Requests answered with a token.</summary>
    public int TokensIssued => Volatile.Read(ref _tokensIssued);

    /// <summary>The requests received, oldest first (a snapshot).</summary>
    public IReadOnlyList<IdentityEndpointRequest> Requests => _requests.ToArray();

    public bool IsAcceptingConnections => _app is not null;

    public static async Task<ManagedIdentityEndpoint> StartAsync(TokenIssuer issuer, TestPrincipal systemAssigned)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(systemAssigned);
        var endpoint = new ManagedIdentityEndpoint(issuer, systemAssigned);
        await endpoint.ListenAsync(port: 0);
        return endpoint;
    }

    /// <summary>Registers a user-assigned identity, requested by <c>client_id</c> = AppId or <c>principal_id</c>/<c>object_id</c> = ObjectId.</summary>
    public void AddUserAssigned(TestPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        _userAssigned[principal.AppId] = principal;
    }

    /// <summary>Lets the endpoint mint tokens for another resource (SQL is known from the start).</summary>
    public void AddAudience(string audience) => _audiences.Add(audience);

    /// <summary>
    /// Points managed identity at this endpoint: sets IDENTITY_ENDPOINT and IDENTITY_HEADER, clears variables that
    /// would divert the credential to another source or identity, and restores everything on dispose.
    /// </summary>
    public IDisposable ApplyToEnvironment() =>
        new EnvironmentScope()
            .Clear(DivertingVariables)
            .Set("IDENTITY_ENDPOINT", Endpoint.ToString())
            .Set("IDENTITY_HEADER", Header);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _disposing.CancelAsync();
        await StopListeningAsync();
        _disposing.Dispose();
        _lifecycle.Dispose();
    }

    private async Task RefuseConnectionsAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await StopListeningAsync();
    }

    private async Task AcceptConnectionsAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await ListenAsync(Port);
    }

    private async Task ListenAsync(int port)
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is not null)
            {
                return;
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
            builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
            var app = builder.Build();
            app.Run(HandleAsync);
            await app.StartAsync();
            Port = new Uri(app.Urls.First()).Port;
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task StopListeningAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_app is null)
            {
                return;
            }

            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(deadline.Token);
            await _app.DisposeAsync();
            _app = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);
        var request = context.Request;
        var headerMatched = string.Equals(request.Headers[HeaderName], Header, StringComparison.Ordinal);
        var received = _issuer.Time.GetUtcNow();
        var record = new IdentityEndpointRequest(
            received, request.QueryString.Value ?? string.Empty, request.Query["api-version"], request.Query["resource"], request.Query["client_id"], headerMatched, 0);

        var delay = Faults.Delay;
        if (delay > TimeSpan.Zero)
        {
            using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _disposing.Token);
            try
            {
                await Task.Delay(delay, aborted.Token);
            }
            catch (OperationCanceledException)
            {
                // The client gave up (its network timeout) or the endpoint is stopping: nothing is answered.
                _requests.Enqueue(record);
                context.Abort();
                return;
            }
        }

        var (status, body) = Answer(request, headerMatched);
        _requests.Enqueue(record with { StatusCode = status });
        context.Response.StatusCode = status;
        await context.Response.WriteAsJsonAsync(body, context.RequestAborted);
    }

    private (int Status, Dictionary<string, object> Body) Answer(HttpRequest request, bool headerMatched)
    {
        if (!string.Equals(request.Path, TokenPath, StringComparison.OrdinalIgnoreCase))
        {
            return Error(StatusCodes.Status404NotFound, "Not found.");
        }

        if (!HttpMethods.IsGet(request.Method))
        {
            return Error(StatusCodes.Status405MethodNotAllowed, "Only GET is supported.");
        }

        if (Faults.TryTakeFailure(out var faultStatus))
        {
            return Error(faultStatus, "The managed identity endpoint failed (test fault).");
        }

        if (!headerMatched)
        {
            return Error(StatusCodes.Status401Unauthorized, $"The {HeaderName} header is missing or wrong.");
        }

        if (!string.Equals(request.Query["api-version"], ApiVersion, StringComparison.Ordinal))
        {
            return Error(StatusCodes.Status400BadRequest, $"api-version must be {ApiVersion}.");
        }

        string? resource = request.Query["resource"];
        if (!_audiences.TryResolve(resource, out var audience))
        {
            return Error(StatusCodes.Status400BadRequest, $"The resource '{resource}' is not known.");
        }

        var principal = FindPrincipal(request.Query);
        if (principal is null)
        {
            return Error(StatusCodes.Status400BadRequest, "Unable to load the proper Managed Identity.");
        }

        var issued = _issuer.Issue(principal, audience);
        Interlocked.Increment(ref _tokensIssued);
        return (StatusCodes.Status200OK, new Dictionary<string, object>
        {
            ["access_token"] = issued.Token,
            ["expires_on"] = issued.ExpiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["resource"] = resource!,
            ["token_type"] = "Bearer",
            ["client_id"] = principal.AppId,
        });
    }

    private TestPrincipal? FindPrincipal(IQueryCollection query)
    {
        string? clientId = query["client_id"];
        // App Service documents principal_id; MSAL sends object_id. Both name the identity's object id.
        string? principalId = query.TryGetValue("principal_id", out var byPrincipal) ? byPrincipal : query["object_id"];
        if (query.ContainsKey("mi_res_id"))
        {
            return null; // resource ids are not modelled: the peer knows identities by client and object id only
        }

        if (!string.IsNullOrEmpty(clientId))
        {
            return _userAssigned.GetValueOrDefault(clientId);
        }

        if (!string.IsNullOrEmpty(principalId))
        {
            return _userAssigned.Values.FirstOrDefault(
                p => string.Equals(p.ObjectId, principalId, StringComparison.OrdinalIgnoreCase));
        }

        return _systemAssigned;
    }

    private static (int, Dictionary<string, object>) Error(int status, string message) =>
        (status, new Dictionary<string, object>
        {
            ["statusCode"] = status,
            ["message"] = message,
            ["correlationId"] = Guid.NewGuid().ToString(),
        });
}
