using Azure.Core;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>
/// The app's real container (<c>AddAzureSqlFunctions</c>) in front of a fresh TDS peer on loopback, so a benchmark
/// runs invocations exactly as the Worker middleware does: <see cref="InvocationPipeline.RunAsync"/>.
/// </summary>
internal sealed class PeerApp : IAsyncDisposable
{
    /// <summary>
    /// SqlClient's own reconnect off (the app's retry provider is what retries) and no pool blocking period, which
    /// SqlClient's Auto setting turns off for Azure SQL host names but not for 127.0.0.1.
    /// </summary>
    public const string ConnectionOptions = "ConnectRetryCount=0;Pool Blocking Period=NeverBlock;";

    private static readonly InvocationInfo Invocation = new("benchmark-invocation", "Benchmark", IsHttp: true, CancellationToken.None);

    private PeerApp(TokenIssuer issuer, TestPrincipal principal, TdsServer server, ServiceProvider services)
    {
        Issuer = issuer;
        Principal = principal;
        Server = server;
        Services = services;
        Pipeline = services.GetRequiredService<InvocationPipeline>();
        Factory = services.GetRequiredService<SqlConnectionFactory>();
        TokenSource = services.GetRequiredService<AccessTokenSource>();
    }

    public TokenIssuer Issuer { get; }

    /// <summary>The app's identity: a contained user of the peer's database.</summary>
    public TestPrincipal Principal { get; }

    public TdsServer Server { get; }

    public ServiceProvider Services { get; }

    public InvocationPipeline Pipeline { get; }

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

        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Sql:ConnectionString"] = server.ConnectionString(TdsEncryption.Off) + ConnectionOptions,
            ["Sql:AllowInsecureTransport"] = "true",
            ["Sql:OpenRetryDelay"] = "00:00:00.020",
        };
        foreach (var (key, value) in settings)
        {
            values[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        // Registered first: AddAzureSql only adds its own credential and clock when none is registered.
        var services = new ServiceCollection();
        if (credential is not null)
        {
            services.AddSingleton(credential);
        }

        if (time is not null)
        {
            services.AddSingleton(time);
        }

        var provider = services.AddAzureSqlFunctions(configuration).BuildServiceProvider();
        return new PeerApp(issuer, principal, server, provider);
    }

    /// <summary>One invocation through the pipeline that runs <c>SELECT 1</c>; throws when it did not read 1.</summary>
    public async Task SelectOneAsync()
    {
        var problem = await Pipeline.RunAsync(Invocation, 0, static (sql, _) => SelectOneAsync(sql));
        if (problem is not null)
        {
            throw new InvalidOperationException($"The invocation answered {problem.Status} {problem.Type}: {problem.Detail}");
        }
    }

    /// <summary>What a handler does: ask for the invocation's connection (the first ask opens it) and query.</summary>
    public static async Task SelectOneAsync(InvocationConnection sql)
    {
        var connection = await sql.GetOpenConnectionAsync();
        await using var command = new SqlCommand("SELECT 1", connection, sql.Transaction);
        if (await command.ExecuteScalarAsync(sql.CancellationToken) is not 1)
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
        await Services.DisposeAsync();
        await Server.DisposeAsync();
    }
}
