using System.Text.Json;
using Azure.Core;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.Tests.TestPeers.Tds;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Todos;

/// <summary>
/// One TDS peer that admits one principal, plus the app's real container pointed at it. Handlers run inside
/// <see cref="InvocationPipeline"/> exactly as the middleware runs functions (commit, roll back, dispose, 503 mapping).
/// Used by the Todos, Health and Maintenance tests.
/// </summary>
internal sealed class PeerHarness : IAsyncDisposable
{
    private readonly List<ServiceProvider> _containers = [];
    private readonly TdsTestContext _peer;

    private PeerHarness(TdsTestContext peer) => _peer = peer;

    public TokenIssuer Issuer => _peer.Issuer;

    public TestPrincipal Principal => _peer.Principal;

    public TdsServer Server => _peer.Server;

    public static PeerHarness Start() => new(TdsTestContext.Start());

    /// <summary>A credential that hands out valid tokens for the admitted principal.</summary>
    public ScriptedCredential IssuingCredential() => AppOnPeer.IssuingCredential(Issuer, Principal);

    /// <summary>The app's container over this peer (no open retries, so failures show at once).</summary>
    public ServiceProvider App(TokenCredential? credential = null, params (string Key, string? Value)[] settings) =>
        App(static _ => { }, credential, settings);

    /// <param name="configure">Runs before the app's registrations (e.g. a capturing logger provider).</param>
    public ServiceProvider App(Action<IServiceCollection> configure, TokenCredential? credential, params (string Key, string? Value)[] settings)
    {
        var services = TestApp.Services(
            Server.ConnectionString(TdsEncryption.Off), credential ?? IssuingCredential(), null, configure, [("Sql__OpenRetries", "0"), .. settings]);
        _containers.Add(services);
        return services;
    }

    /// <summary>Runs an HTTP handler the way the middleware does; a pipeline problem (503) becomes the result.</summary>
    public static Task<ApiResult> RunHttpAsync(IServiceProvider app, Func<InvocationConnection, Task<ApiResult>> handler) =>
        RunHttpAsync(app, handler, CancellationToken.None);

    /// <param name="cancellation">The invocation's cancellation (host shutdown, timeout, client gone).</param>
    public static async Task<ApiResult> RunHttpAsync(IServiceProvider app, Func<InvocationConnection, Task<ApiResult>> handler, CancellationToken cancellation)
    {
        ApiResult? result = null;
        var invocation = new InvocationInfo(Guid.NewGuid().ToString(), "test-http", IsHttp: true, cancellation);
        var problem = await app.Pipeline().RunAsync(invocation, handler, async (connection, run) => result = await run(connection));
        return problem is not null ? ApiResult.From(problem) : result!;
    }

    /// <summary>Runs a timer-style (non-HTTP) invocation: failures propagate, as they do to Functions' retry policy.</summary>
    public static async Task<T> RunTimerAsync<T>(IServiceProvider app, Func<InvocationConnection, Task<T>> job)
    {
        T? result = default;
        var invocation = new InvocationInfo(Guid.NewGuid().ToString(), "test-timer", IsHttp: false, CancellationToken.None);
        var problem = await app.Pipeline().RunAsync(invocation, job, async (connection, run) => result = await run(connection));
        Assert.That(problem, Is.Null, "a timer invocation never gets a problem answer");
        return result!;
    }

    /// <summary>The statements the peer received whose text is exactly <paramref name="sql"/>.</summary>
    public IReadOnlyList<RecordedStatement> Sent(string sql) =>
        [.. Server.Statements.Where(s => string.Equals(s.Text, sql, StringComparison.Ordinal))];

    public static SqlParameterValue Parameter(RecordedStatement statement, string name) =>
        statement.Parameters.Single(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The result's body as the client would receive it.</summary>
    public static JsonElement BodyOf(ApiResult result)
    {
        var json = result.SerializeBody() ?? throw new AssertionException("the result has no body");
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in _containers)
        {
            await container.DisposeAsync();
        }

        await _peer.DisposeAsync(); // clears the pools, stops the server
    }
}
