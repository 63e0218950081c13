using System.Net;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Benchmarks.Targets;

/// <summary>
/// Target 4: a burst where the app's single flight is what keeps the credential at one request. SQL logins alone
/// cannot show it — SqlClient opens a pool's connections one at a time and keeps the token for the pool, so even a
/// callback without any cache is called once — but the deep health check (<c>GET /api/health</c>: a token from the
/// app's source, then <c>SELECT 1</c>) asks the source directly, concurrently. Each round: a cold app (production
/// container, empty pool and cache) whose credential is <c>AzureCliCredential</c> — the default outside Azure, which
/// has no cache of its own — and 64 deep health checks released together through the real function and middleware
/// (each caller with a valid bearer token). PASS when every round makes exactly one <c>az</c> call and all 64 answer
/// 200. Beside it, the same 64 concurrent asks made straight to the credential (what single flight saves), and to
/// <c>ManagedIdentityCredential</c> (MSAL serialises its requests itself: there the app's single flight is a second
/// line).
/// </summary>
internal static class BurstTarget
{
    public const int Number = 4;
    private const int Concurrency = 64;
    private static readonly TokenRequestContext SqlRequest = new([AccessTokenSource.ScopeFor(TokenIssuer.SqlAudience)]);

    public static async Task<(TargetResult Result, IReadOnlyList<string> Details)> RunAsync(RunMode mode)
    {
        var rounds = mode.Quick ? 3 : 10;
        var appCalls = new List<int>();
        var directCalls = new List<int>();
        var failures = 0;
        for (var round = 0; round < rounds; round++)
        {
            var (calls, failed, direct) = await RunRoundAsync();
            appCalls.Add(calls);
            directCalls.Add(direct);
            failures += failed;
        }

        var managedIdentityDirect = await ManagedIdentityDirectAsync();
        var (noCacheCalls, noCacheLogins) = await CallbackWithoutCacheAsync();
        var result = new TargetResult(
            Number,
            $"{Concurrency} concurrent deep health checks on a cold app (az credential) ×{rounds} rounds",
            $"az calls per round through the app [{string.Join(", ", appCalls)}], failures {failures}; the same {Concurrency} asks straight to AzureCliCredential: [{string.Join(", ", directCalls)}] (limit: 1 call each round, 0 failures)",
            failures == 0 && appCalls.All(c => c == 1));
        string[] details =
        [
            $"  {Concurrency} concurrent cold asks straight to ManagedIdentityCredential: {managedIdentityDirect} endpoint request(s) (MSAL's own serialisation)",
            $"  {Concurrency} concurrent cold SQL opens whose token callback has no cache (AzureCliCredential per call): {noCacheCalls} az call(s) for {noCacheLogins} logins (SqlClient keeps the token per pool)",
        ];
        return (result, details);
    }

    private static async Task<(int AppCalls, int Failures, int DirectCalls)> RunRoundAsync()
    {
        AzCliStandIn? az = null;
        await using var bench = await ShippedBench.StartAsync(
            prepare: async peers =>
            {
                az = await AzCliStandIn.StartAsync(peers.Issuer, peers.Principal);
                return new Disposables(az, az.PutFirstOnPath()); // AzureCliCredential reads PATH when it is built
            },
            settings: ("Sql__Credential", "AzureCli"));

        var checks = AllAtOnce.Start(Concurrency, async () =>
        {
            var answer = await bench.App.SendAsync(TestRequest.Get("/api/health"));
            return answer.Status == (int)HttpStatusCode.OK;
        });
        var failures = 0;
        foreach (var check in checks)
        {
            try
            {
                failures += await check ? 0 : 1;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures++;
            }
        }

        var appCalls = az!.InvocationCount;
        var credential = new AzureCliCredential();
        var asks = AllAtOnce.Start(Concurrency, () => credential.GetTokenAsync(SqlRequest, CancellationToken.None).AsTask());
        await Task.WhenAll(asks);
        return (appCalls, failures, az.InvocationCount - appCalls);
    }

    /// <summary>64 concurrent opens on a cold pool with a callback that asks <c>az</c> every time it is called.</summary>
    private static async Task<(int Calls, int Logins)> CallbackWithoutCacheAsync()
    {
        await using var peers = AppPeers.Start();
        await using var az = await AzCliStandIn.StartAsync(peers.Issuer, peers.Principal);
        using var path = az.PutFirstOnPath();
        var credential = new AzureCliCredential();
        Func<SqlAuthenticationParameters, CancellationToken, Task<SqlAuthenticationToken>> callback = async (_, cancellation) =>
        {
            var token = await credential.GetTokenAsync(SqlRequest, cancellation);
            return new SqlAuthenticationToken(token.Token, token.ExpiresOn);
        };
        var connectionString = peers.ProductionConnectionString();
        var opens = AllAtOnce.Start(Concurrency, async () =>
        {
            await using var connection = new SqlConnection(connectionString) { AccessTokenCallback = callback };
            await connection.OpenAsync();
            await using var command = new SqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
        });
        await Task.WhenAll(opens);
        return (az.InvocationCount, peers.Server.Counters.PhysicalLogins);
    }

    private static async Task<int> ManagedIdentityDirectAsync()
    {
        MsalSharedState.Reset();
        using var issuer = new TokenIssuer();
        await using var endpoint = await ManagedIdentityEndpoint.StartAsync(issuer, TestPrincipal.Create("burst-identity"));
        using var environment = endpoint.ApplyToEnvironment();
        var credential = new ManagedIdentityCredential(TokenCredentialFactory.ManagedIdentityOptions(null));
        var asks = AllAtOnce.Start(Concurrency, () => credential.GetTokenAsync(SqlRequest, CancellationToken.None).AsTask());
        await Task.WhenAll(asks);
        MsalSharedState.Reset();
        return endpoint.RequestCount;
    }
}
