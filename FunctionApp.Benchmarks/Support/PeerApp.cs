using Azure.Core;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>
/// The app in front of a fresh TDS peer on loopback, through the one test support layer (<see cref="AppUnderTest"/>):
/// the app's own container and its real unit-of-work middleware run every invocation.
/// </summary>
internal sealed class PeerApp : IAsyncDisposable
{
    /// <summary>SqlClient's own reconnect off (the app's retry provider is what retries) and no pool blocking period.</summary>
    public const string ConnectionOptions = AppPeers.ConnectionOptions;

    private readonly Microsoft.Azure.Functions.Worker.FunctionContext _context;

    private PeerApp(TokenIssuer issuer, TestPrincipal principal, TdsServer server, AppUnderTest app)
    {
        Issuer = issuer;
        Principal = principal;
        Server = server;
        App = app;
        Factory = app.Services.GetRequiredService<SqlConnectionFactory>();
        TokenSource = app.Services.GetRequiredService<AccessTokenSource>();
        _context = app.CreateContext();
    }

    public TokenIssuer Issuer { get; }

    /// <summary>The app's identity: a contained user of the peer's database.</summary>
    public TestPrincipal Principal { get; }

    public TdsServer Server { get; }

    public AppUnderTest App { get; }

    public IServiceProvider Services => App.Services;

    public SqlConnectionFactory Factory { get; }

    public AccessTokenSource TokenSource { get; }

    /// <summary>The peer's connection string with <see cref="ConnectionOptions"/>: no credential in it.</summary>
    public string ConnectionString => Server.ConnectionString(TdsEncryption.Off) + ConnectionOptions;

    /// <param name="issuer">Mints and validates the peer's tokens; its clock is the peer's clock.</param>
    /// <param name="principal">The app's identity; admitted by the peer.</param>
    /// <param name="credential">Null: the app builds its own from <c>Sql__Credential</c>, as in production.</param>
    /// <param name="time">Shared with the issuer to rotate tokens without waiting; null for the system clock.</param>
    public static PeerApp Start(TokenIssuer issuer, TestPrincipal principal, TokenCredential? credential, TimeProvider? time = null, params (string Key, string Value)[] settings)
    {
        var server = TdsServer.Start(new TdsServerOptions { Issuer = issuer });
        server.AllowPrincipal(principal.ObjectId);
        var app = AppUnderTest.Start(
            [
                ("Sql__ConnectionString", server.ConnectionString(TdsEncryption.Off) + ConnectionOptions),
                ("Sql__AllowInsecureTransport", "true"),
                ("Sql__OpenRetryDelay", "00:00:00.020"),
                .. settings.Select(s => (s.Key, (string?)s.Value)),
            ],
            credential,
            time);
        return new PeerApp(issuer, principal, server, app);
    }

    /// <summary>
    /// One invocation through the app's real middleware whose function runs <c>SELECT 1</c> on the invocation's
    /// connection. One context is reused, so what is measured is the middleware and the SQL path, not the test host's
    /// per-invocation objects; not for concurrent use (use <see cref="AppUnderTest.RunHttpAsync"/> for that).
    /// </summary>
    public Task SelectOneAsync() => App.Middleware.Invoke(_context, SelectOneFunction);

    private static readonly Microsoft.Azure.Functions.Worker.Middleware.FunctionExecutionDelegate SelectOneFunction =
        static context => SelectOneAsync(AzureSqlFunctions.Middleware.FunctionContextSqlExtensions.GetInvocationConnection(context));


    /// <summary>What a function does: ask for the invocation's connection (the first ask opens it) and query.</summary>
    public static async Task SelectOneAsync(InvocationConnection sql)
    {
        if (await AppUnderTest.SelectOne(sql) != 1)
        {
            throw new InvalidOperationException("SELECT 1 did not read 1.");
        }
    }

    /// <summary>Marks the app's pooled sessions for closing, so the next open is a new physical login (same pool).</summary>
    public void ClearPool()
    {
        using var connection = Factory.Create();
        SqlConnection.ClearPool(connection);
    }

    public async ValueTask DisposeAsync()
    {
        ClearPool();
        await App.DisposeAsync();
        await Server.DisposeAsync();
    }
}
