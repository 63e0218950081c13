using System.Diagnostics;
using System.Globalization;
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
/// Target 6: per 1 000 sequential invocations, token requests, physical logins and pools of the app (production
/// container, managed identity against the endpoint peer) next to the pattern users write — a new credential per
/// connection and its token in <c>SqlConnection.AccessToken</c> — once with <c>ManagedIdentityCredential</c> (MSAL's
/// static cache hands every new instance the same token: one request and one pool until the token rotates, but a
/// credential per connection) and once with <c>AzureCliCredential</c> (no cache: a process, a token and so a pool per
/// connection; quick mode measures 100 and scales). Each side has its own peers and the production connection string.
/// PASS when the app makes 1 token request, 1 login and 1 pool, and no count above a naive one.
/// </summary>
internal static class NaivePatternTarget
{
    public const int Number = 6;
    public const int Invocations = 1000;
    private static readonly TokenRequestContext SqlRequest = new([AccessTokenSource.ScopeFor(TokenIssuer.SqlAudience)]);

    public static async Task<(TargetResult Result, IReadOnlyList<string> Details)> RunAsync(RunMode mode, SqlClientPoolCounters counters)
    {
        var ours = await MeasureOursAsync(counters);
        var naiveMi = await MeasureNaiveManagedIdentityAsync(counters);
        var naiveCli = await MeasureNaiveCliAsync(mode.Quick ? 100 : Invocations, counters);
        var pass = ours.TokenRequests == 1 && ours.Logins == 1 && ours.Pools is null or 1
            && ours.TokenRequests <= naiveMi.TokenRequests && ours.Logins <= naiveMi.Logins
            && ours.TokenRequests <= naiveCli.PerThousand(naiveCli.TokenRequests) && ours.Logins <= naiveCli.PerThousand(naiveCli.Logins);
        var result = new TargetResult(
            Number,
            "per 1000 invocations, the app vs the naive pattern",
            $"app {ours.Brief}; naive managed identity {naiveMi.Brief}; naive Azure CLI {naiveCli.Brief} (limits: app 1/1/1, none above naive)",
            pass);
        return (result, [ours.ToString(), naiveMi.ToString(), naiveCli.ToString()]);
    }

    private static async Task<Side> MeasureOursAsync(SqlClientPoolCounters counters)
    {
        var poolsBefore = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        await using var bench = await ShippedBench.StartAsync(tokenLifetime: TimeSpan.FromHours(1));
        var pipeline = bench.UnitOfWork(ShippedBench.SelectOneFunction);
        var latencies = new List<double>(Invocations);
        for (var i = 0; i < Invocations; i++)
        {
            using var cancellation = new CancellationTokenSource();
            var began = Stopwatch.GetTimestamp();
            await pipeline(bench.Context(cancellation.Token));
            latencies.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }

        var poolsAfter = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        return new Side("app: static callback + token source", Invocations, bench.Peers.Identity!.RequestCount, bench.Peers.Server.Counters.PhysicalLogins,
            poolsAfter - poolsBefore, "SqlClient counter", latencies);
    }

    private static async Task<Side> MeasureNaiveManagedIdentityAsync(SqlClientPoolCounters counters)
    {
        await using var peers = AppPeers.Start();
        peers.Issuer.TokenLifetime = TimeSpan.FromHours(1);
        var endpoint = await peers.StartManagedIdentityAsync();
        return await MeasureNaiveAsync("naive: new ManagedIdentityCredential + AccessToken", Invocations, peers, () => endpoint.RequestCount,
            () => new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned), counters);
    }

    private static async Task<Side> MeasureNaiveCliAsync(int invocations, SqlClientPoolCounters counters)
    {
        await using var peers = AppPeers.Start();
        await using var az = await AzCliStandIn.StartAsync(peers.Issuer, peers.Principal);
        using var path = az.PutFirstOnPath();
        return await MeasureNaiveAsync("naive: new AzureCliCredential + AccessToken", invocations, peers, () => az.InvocationCount, () => new AzureCliCredential(), counters);
    }

    private static async Task<Side> MeasureNaiveAsync(string name, int invocations, AppPeers peers, Func<int> requests, Func<TokenCredential> newCredential, SqlClientPoolCounters counters)
    {
        var connectionString = peers.ProductionConnectionString();
        var requestsBefore = requests();
        var poolsBefore = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        var latencies = new List<double>(invocations);
        for (var i = 0; i < invocations; i++)
        {
            var began = Stopwatch.GetTimestamp();
            var token = await newCredential().GetTokenAsync(SqlRequest, CancellationToken.None);
            await using var connection = new SqlConnection(connectionString) { AccessToken = token.Token };
            await connection.OpenAsync();
            await using var command = new SqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync();
            latencies.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }

        var poolsAfter = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        var side = new Side(name, invocations, requests() - requestsBefore, peers.Server.Counters.PhysicalLogins,
            peers.Server.Counters.TokensSeenBy(peers.Principal.ObjectId).Count, $"distinct tokens; SqlClient counter +{poolsAfter - poolsBefore}", latencies);
        SqlConnection.ClearAllPools();
        return side;
    }

    /// <summary>One side's counts over <see cref="Measured"/> invocations, also given per 1 000.</summary>
    private sealed record Side(string Name, int Measured, int TokenRequests, int Logins, double? Pools, string PoolSource, IReadOnlyCollection<double> LatenciesMs)
    {
        public double PerThousand(double count) => count * Invocations / Measured;

        public string Brief => $"{PerThousand(TokenRequests):F0}/{PerThousand(Logins):F0}/{Format(Pools)} (requests/logins/pools){Scaled}";

        public override string ToString() =>
            $"  {Name}: per 1000 invocations {PerThousand(TokenRequests):F0} token requests, {PerThousand(Logins):F0} physical logins, {Format(Pools)} pools ({PoolSource}); "
            + $"invocation median {Percentiles.Median(LatenciesMs):F3} ms, p99 {Percentiles.Of(LatenciesMs, 99):F3} ms{Scaled}";

        private string Scaled => Measured == Invocations ? string.Empty : $" [measured over {Measured}, scaled to 1000]";

        private string Format(double? pools) => pools is null ? "n/a" : PerThousand(pools.Value).ToString("F0", CultureInfo.InvariantCulture);
    }
}
