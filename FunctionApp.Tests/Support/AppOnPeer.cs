using Azure.Core;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Support;

/// <summary>
/// The app's real container and pipeline in front of a running TDS peer: a test runs "invocations" the way the
/// middleware does, and asserts what the peer saw. Connection strings set <c>ConnectRetryCount=0</c> so the app's
/// retry provider is what retries, and a short back-off keeps the suite fast.
/// </summary>
internal sealed class AppOnPeer : IAsyncDisposable
{
    /// <summary>
    /// SqlClient's own open retry off, so the app's retry provider is what retries; and no pool blocking period,
    /// which SqlClient's Auto setting already turns off for Azure SQL host names but not for 127.0.0.1.
    /// </summary>
    public const string ConnectionOptions = "ConnectRetryCount=0;Pool Blocking Period=NeverBlock;";

    private int _invocations;

    private AppOnPeer(TokenIssuer issuer, TestPrincipal principal, TdsServer server, ServiceProvider services)
    {
        Issuer = issuer;
        Principal = principal;
        Server = server;
        Services = services;
    }

    public TokenIssuer Issuer { get; }

    /// <summary>The app's identity, a contained user of the peer's database.</summary>
    public TestPrincipal Principal { get; }

    public TdsServer Server { get; }

    public ServiceProvider Services { get; }

    public InvocationPipeline Pipeline => Services.Pipeline();

    /// <summary>Starts a peer and the app.</summary>
    /// <param name="credential">
    /// Null: a credential issuing the peer's tokens for <see cref="Principal"/>. A function returning null: the app
    /// builds its own credential from <c>Sql__Credential</c>, as in production.
    /// </param>
    public static AppOnPeer Start(
        Func<TokenIssuer, TestPrincipal, TokenCredential?>? credential = null,
        TdsEncryption encryption = TdsEncryption.Off,
        TimeProvider? time = null,
        TestPrincipal? principal = null,
        TokenIssuer? issuer = null,
        params (string Key, string? Value)[] settings)
    {
        issuer ??= new TokenIssuer(time);
        principal ??= TestPrincipal.Create("app-identity");
        var server = TdsServer.Start(new TdsServerOptions { Issuer = issuer });
        server.AllowPrincipal(principal.ObjectId);
        var tokenCredential = credential is null ? IssuingCredential(issuer, principal) : credential(issuer, principal);
        var services = TestApp.Services(
            server.ConnectionString(encryption) + ConnectionOptions,
            tokenCredential,
            time,
            [("Sql__OpenRetryDelay", "00:00:00.020"), .. settings]);
        return new AppOnPeer(issuer, principal, server, services);
    }

    /// <summary>A credential that gets the peer's tokens straight from the issuer (the credential path is tested elsewhere).</summary>
    public static ScriptedCredential IssuingCredential(TokenIssuer issuer, TestPrincipal principal) =>
        ScriptedCredential.Issuing(() =>
        {
            var issued = issuer.Issue(principal);
            return new AccessToken(issued.Token, issued.ExpiresOn);
        });

    /// <summary>One invocation through the app's pipeline, as the middleware runs it.</summary>
    public Task<ProblemDetails?> InvokeAsync(Func<InvocationConnection, Task> function, bool isHttp = true, CancellationToken cancellation = default)
    {
        var id = $"test-invocation-{Interlocked.Increment(ref _invocations)}";
        return Pipeline.RunAsync(new InvocationInfo(id, "TestFunction", isHttp, cancellation), function, static (connection, f) => f(connection));
    }

    /// <summary>An invocation that runs <c>SELECT 1</c> and returns what it read.</summary>
    public async Task<int> SelectOneAsync(bool isHttp = false)
    {
        var result = 0;
        var problem = await InvokeAsync(async sql => result = await SelectOne(sql), isHttp);
        Assert.That(problem, Is.Null, () => $"unexpected problem {problem?.Type}: {problem?.Detail}");
        return result;
    }

    public static async Task<int> SelectOne(InvocationConnection sql)
    {
        var connection = await sql.GetOpenConnectionAsync();
        await using var command = new SqlCommand("SELECT 1", connection, sql.Transaction);
        return (int)(await command.ExecuteScalarAsync(sql.CancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        SqlConnection.ClearAllPools();
        await Services.DisposeAsync();
        await Server.DisposeAsync();
        Issuer.Dispose();
    }
}
