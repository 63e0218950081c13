using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Attributes;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Target 1: one invocation through the pipeline (lazy pooled open with the token callback, <c>SELECT 1</c>, dispose)
/// against the same query on a plain pooled <see cref="SqlConnection"/>. The peer demands a token, so the plain
/// connection carries one fixed, long-lived token in its <c>AccessToken</c> property: one pool, no per-connection
/// token work, which is as close to "no token auth" as a token-demanding server allows. Both pools are warm.
/// Declared (and so run) next to each other, to give drifting load on the machine the least time to tilt them. Two
/// more rows, run after, locate any difference: the same plain connection with the app's static token callback instead of
/// the fixed token, and the app's <see cref="SqlConnectionFactory.OpenAsync"/> (callback, retry provider and
/// open budget) without the pipeline around it.
/// </summary>
[MemoryDiagnoser]
public class PipelineSelectOneBenchmarks
{
    private TokenIssuer _issuer = null!;
    private PeerApp _app = null!;
    private string _plainConnectionString = null!;
    private string _fixedToken = null!;

    [GlobalSetup]
    public void Setup()
    {
        _issuer = new TokenIssuer { TokenLifetime = TimeSpan.FromHours(12) };
        var principal = TestPrincipal.Create("bench-app");
        _app = PeerApp.Start(_issuer, principal, new IssuerCredential(_issuer, principal));
        _plainConnectionString = _app.ConnectionString;
        _fixedToken = _issuer.Issue(principal).Token;

        // Warm both pools and every code path before BenchmarkDotNet's own warm-up.
        for (var i = 0; i < 50; i++)
        {
            Plain_pooled_SqlConnection_SELECT_1().GetAwaiter().GetResult();
            Pipeline_lazy_open_SELECT_1().GetAwaiter().GetResult();
            Callback_pooled_SqlConnection_SELECT_1().GetAwaiter().GetResult();
            Factory_open_SELECT_1().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _issuer.Dispose();
    }

    [Benchmark(Baseline = true)]
    public async Task Plain_pooled_SqlConnection_SELECT_1()
    {
        await using var connection = new SqlConnection(_plainConnectionString) { AccessToken = _fixedToken };
        await connection.OpenAsync();
        await SelectOneAsync(connection);
    }

    [Benchmark]
    public Task Pipeline_lazy_open_SELECT_1() => _app.SelectOneAsync();

    [Benchmark]
    public async Task Callback_pooled_SqlConnection_SELECT_1()
    {
        await using var connection = new SqlConnection(_plainConnectionString) { AccessTokenCallback = SqlAccessTokenCallback.Instance };
        await connection.OpenAsync();
        await SelectOneAsync(connection);
    }

    [Benchmark]
    public async Task Factory_open_SELECT_1()
    {
        await using var connection = await _app.Factory.OpenAsync(CancellationToken.None);
        await SelectOneAsync(connection);
    }

    private static async Task SelectOneAsync(SqlConnection connection)
    {
        await using var command = new SqlCommand("SELECT 1", connection);
        if (await command.ExecuteScalarAsync() is not 1)
        {
            throw new InvalidOperationException("SELECT 1 did not read 1.");
        }
    }
}
