using Azure.Core;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>
/// The app as it runs in Azure, in front of the peers, for the benchmarks: the worker's own host built from
/// Program.cs's statements (production logging; OpenTelemetry exporting to a loopback Application Insights ingestion,
/// as with <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> set), the production connection string (<c>Encrypt=True</c>
/// against the peer's certificate, <c>Connection Timeout=30</c>, SqlClient's default pool and reconnect settings) and
/// the app's default retry and timeout settings. The credential is the real <c>ManagedIdentityCredential</c> against
/// the identity endpoint peer unless one is given. Invocations run through the app's middleware chained as the worker
/// chains Program.cs's <c>UseKeptMiddleware</c> calls.
/// </summary>
internal sealed class ShippedBench : IAsyncDisposable
{
    /// <summary>The function that <see cref="SelectOneFunction"/> and <see cref="NoSqlFunction"/> are indexed as.</summary>
    /// <remarks>
    /// Liveness's definition: an anonymous HTTP function, so the token gate lets it through untouched (the bearer check
    /// has its own target) while the unit of work applies, as to every HTTP function.
    /// </remarks>
    public const string AnonymousHttpFunction = "Liveness";

    private readonly CancellationTokenSource _invocationCancellation = new();
    private readonly IServiceScope _scope;
    private readonly DefaultHttpContext _http;
    private IAsyncDisposable? _prepared;

    private ShippedBench(AppPeers peers, AppUnderTest app)
    {
        Peers = peers;
        App = app;
        Factory = app.Services.GetRequiredService<SqlConnectionFactory>();
        // The worker's cancellation token is cancellable (the host can cancel an invocation): so is the benchmark's.
        InvocationCancellation = _invocationCancellation.Token;
        // One request scope and HttpContext for all invocations: Kestrel reuses its HttpContext per connection, and the
        // scope per invocation is the worker's cost, the same with or without the app's middleware.
        _scope = app.Services.CreateScope();
        _http = new DefaultHttpContext { RequestServices = _scope.ServiceProvider };
        _http.Request.Method = HttpMethods.Get;
        _http.Request.Path = "/api/health/live";
    }

    public AppPeers Peers { get; }

    public AppUnderTest App { get; }

    public SqlConnectionFactory Factory { get; }

    public CancellationToken InvocationCancellation { get; }

    /// <summary>The production connection string the app uses, without credential.</summary>
    public string ConnectionString => Peers.ProductionConnectionString();

    /// <summary>
    /// A function that asks for the invocation's connection (the first ask opens it) and runs <c>SELECT 1</c> with the
    /// invocation's token: written like <see cref="PlainSelectOneAsync"/>, one async method, so the two differ only in
    /// where the connection comes from.
    /// </summary>
    public static FunctionExecutionDelegate SelectOneFunction { get; } = SelectOneFunctionAsync;

    /// <summary>The plain pattern as a function of the invocation: <see cref="PlainSelectOneAsync"/> with its token.</summary>
    public FunctionExecutionDelegate PlainSelectOneFunction(string token)
    {
        var connectionString = ConnectionString;
        return context => PlainSelectOneAsync(connectionString, token, context.CancellationToken);
    }

    /// <summary>
    /// The plain pattern on the app's own pool: the connection string and static token callback of the app's connections
    /// (what <see cref="SqlConnectionFactory.Create"/> makes, without its retry provider), opened with the invocation's token.
    /// </summary>
    public FunctionExecutionDelegate PlainSelectOneOnAppPoolFunction()
    {
        string connectionString;
        using (var appConnection = Factory.Create())
        {
            connectionString = appConnection.ConnectionString;
        }

        return context => PlainSelectOneAsync(new SqlConnection(connectionString) { AccessTokenCallback = SqlAccessTokenCallback.Instance }, context.CancellationToken);
    }

    /// <summary>A function that completes at once and never asks for SQL.</summary>
    public static FunctionExecutionDelegate NoSqlFunction { get; } = static _ => Task.CompletedTask;

    /// <param name="tokenLifetime">The peer's token lifetime (12 h by default: no token work while measuring).</param>
    /// <param name="credential">
    /// The app's credential, made from the peers; null: the credential the settings name (ManagedIdentityCredential
    /// against the identity endpoint peer unless <paramref name="prepare"/> says otherwise).
    /// </param>
    /// <param name="time">Shared by the issuer and the app, to rotate tokens without waiting; null for the system clock.</param>
    /// <param name="prepare">
    /// Runs on the peers before the app is built (e.g. starts the <c>az</c> stand-in); what it returns is disposed with
    /// the bench. Without it (and without a credential) the managed-identity endpoint is started.
    /// </param>
    public static async Task<ShippedBench> StartAsync(
        TimeSpan? tokenLifetime = null,
        Func<AppPeers, TokenCredential>? credential = null,
        TimeProvider? time = null,
        Func<AppPeers, Task<IAsyncDisposable>>? prepare = null,
        params (string Key, string? Value)[] settings)
    {
        var peers = AppPeers.Start(time);
        IAsyncDisposable? prepared = null;
        try
        {
            peers.Issuer.TokenLifetime = tokenLifetime ?? TimeSpan.FromHours(12);
            if (prepare is not null)
            {
                prepared = await prepare(peers);
            }
            else if (credential is null)
            {
                await peers.StartManagedIdentityAsync();
            }

            await peers.StartIngestionAsync();
            var app = peers.ShippedApp(credential?.Invoke(peers), time, settings);
            return new ShippedBench(peers, app) { _prepared = prepared };
        }
        catch
        {
            await peers.DisposeAsync();
            if (prepared is not null)
            {
                await prepared.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>The app's whole middleware (Program.cs's order, the worker's chaining) around <paramref name="function"/>.</summary>
    public FunctionExecutionDelegate Pipeline(FunctionExecutionDelegate function) => App.Pipeline(function);

    /// <summary>The unit of work's step alone (as the worker chains it) around <paramref name="function"/>.</summary>
    public FunctionExecutionDelegate UnitOfWork(FunctionExecutionDelegate function) => App.UnitOfWorkPipeline(function);

    /// <summary>
    /// A context for an invocation of <paramref name="function"/> as the worker makes it with ASP.NET Core integration:
    /// the HttpContext in its items, a service scope of the app's container (the invocation's services), the
    /// cancellable invocation token. Reusable for sequential invocations: the app's middleware removes what it adds.
    /// </summary>
    public FunctionContext Context(string function = AnonymousHttpFunction) => Context(InvocationCancellation, function);

    /// <summary>A context as <see cref="Context(string)"/> with its own invocation token, as the worker gives each invocation.</summary>
    public FunctionContext Context(CancellationToken cancellation, string function = AnonymousHttpFunction) =>
        AppUnderTest.CreateContext(App.Definition(function), _http, _scope.ServiceProvider, cancellation);

    /// <summary>A fixed, long-lived token for plain connections (<c>AccessToken</c>): one pool, no token work.</summary>
    public string FixedToken() => Peers.Issuer.Issue(Peers.Principal, lifetime: TimeSpan.FromHours(12)).Token;

    /// <summary>What a function does with the invocation's connection: ask for it (the first ask opens it) and query.</summary>
    public static async Task SelectOneAsync(InvocationConnection sql)
    {
        ArgumentNullException.ThrowIfNull(sql);
        var connection = await sql.GetOpenConnectionAsync();
        await using var command = new SqlCommand("SELECT 1", connection, sql.Transaction);
        if (await command.ExecuteScalarAsync(sql.CancellationToken) is not 1)
        {
            throw new InvalidOperationException("SELECT 1 did not read 1.");
        }
    }

    private static Task SelectOneFunctionAsync(FunctionContext context) => SelectOneAsync(context.GetInvocationConnection());

    /// <summary>A plain pooled connection with a fixed token: open, <c>SELECT 1</c>, dispose.</summary>
    public static Task PlainSelectOneAsync(string connectionString, string token, CancellationToken cancellation) =>
        PlainSelectOneAsync(new SqlConnection(connectionString) { AccessToken = token }, cancellation);

    /// <summary>Opens <paramref name="closed"/>, runs <c>SELECT 1</c>, disposes it (made by the caller: no delegate per invocation).</summary>
    private static async Task PlainSelectOneAsync(SqlConnection closed, CancellationToken cancellation)
    {
        await using var connection = closed;
        await connection.OpenAsync(cancellation);
        await using var command = new SqlCommand("SELECT 1", connection);
        if (await command.ExecuteScalarAsync(cancellation) is not 1)
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
        _scope.Dispose();
        await Peers.DisposeAsync();
        if (_prepared is not null)
        {
            await _prepared.DisposeAsync();
        }

        _invocationCancellation.Dispose();
    }
}
