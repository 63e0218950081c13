using System.Diagnostics;
using Azure.Core;
using Azure.Identity;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.TestPeers.AzCli;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using Microsoft.Identity.Client;

namespace AzureSqlFunctions.Benchmarks.Scenarios;

/// <summary>
/// Target 6: per 1 000 sequential invocations, token requests, physical logins and pools of the app next to the
/// pattern users write — a new credential per connection and its token in <c>SqlConnection.AccessToken</c>. The naive
/// pattern runs twice: with <see cref="ManagedIdentityCredential"/> (MSAL's static cache hands every new instance the
/// same token, so it stays at one request and one pool until the token rotates, but pays a credential per
/// connection) and with <see cref="AzureCliCredential"/> (no cache: a process, a token and so a pool per connection).
/// Each side has its own peer, so logins and tokens are counted apart.
/// </summary>
internal static class NaivePatternScenario
{
    public const int Invocations = 1000;
    private static readonly TokenRequestContext SqlRequest = new(["https://database.windows.net/.default"]);

    public static async Task<IReadOnlyList<string>> RunAsync(ScenarioScale scale, SqlClientPoolCounters counters, List<TargetResult> results)
    {
        using var issuer = new TokenIssuer();
        var identity = TestPrincipal.Create("naive-identity");
        await using var endpoint = await ManagedIdentityEndpoint.StartAsync(issuer, identity);
        using var environment = endpoint.ApplyToEnvironment();
        await using var az = await AzCliStandIn.StartAsync(issuer, TestPrincipal.Create("naive-developer"));
        using var path = az.PutFirstOnPath();

        var ours = await MeasureOursAsync(issuer, identity, endpoint, counters);
        var naiveMi = await MeasureNaiveAsync("naive: new ManagedIdentityCredential + AccessToken", Invocations, issuer, identity, () => endpoint.RequestCount, () => new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned), counters);
        var naiveCli = await MeasureNaiveAsync("naive: new AzureCliCredential + AccessToken", scale.NaiveCliInvocations, issuer, az.SignedInUser, () => az.InvocationCount, () => new AzureCliCredential(), counters);

        var lines = new[] { ours, naiveMi, naiveCli }.Select(s => s.ToString()).ToList();
        var pass = ours.TokenRequests == 1 && ours.Logins == 1 && ours.Pools is null or 1
            && ours.TokenRequests <= naiveMi.TokenRequests && ours.Logins <= naiveMi.Logins
            && ours.TokenRequests <= naiveCli.PerThousand(naiveCli.TokenRequests) && ours.Logins <= naiveCli.PerThousand(naiveCli.Logins);
        results.Add(new TargetResult(
            6,
            "per 1000 invocations, ours vs naive",
            $"ours {ours.Brief}; naive MI {naiveMi.Brief}; naive CLI {naiveCli.Brief} (ours: 1 request, 1 login, 1 pool, none above naive)",
            pass));
        return lines;
    }

    private static async Task<Side> MeasureOursAsync(TokenIssuer issuer, TestPrincipal identity, ManagedIdentityEndpoint endpoint, SqlClientPoolCounters counters)
    {
        ApplicationBase.ResetStateForTest();
        var poolsBefore = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        var requestsBefore = endpoint.RequestCount;
        await using var app = PeerApp.Start(issuer, identity, credential: null, settings: ("Sql__Credential", "ManagedIdentity"));
        var latencies = new List<double>(Invocations);
        for (var i = 0; i < Invocations; i++)
        {
            var began = Stopwatch.GetTimestamp();
            await app.SelectOneAsync();
            latencies.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
        }

        var poolsAfter = await counters.ReadFreshAsync(SqlClientPoolCounters.ActivePools);
        return new Side("ours: static callback + token source", Invocations, endpoint.RequestCount - requestsBefore, app.Server.Counters.PhysicalLogins,
            poolsAfter - poolsBefore, "SqlClient counter", latencies);
    }

    private static async Task<Side> MeasureNaiveAsync(string name, int invocations, TokenIssuer issuer, TestPrincipal principal, Func<int> requests, Func<TokenCredential> newCredential, SqlClientPoolCounters counters)
    {
        ApplicationBase.ResetStateForTest();
        await using var server = TdsServer.Start(new TdsServerOptions { Issuer = issuer });
        server.AllowPrincipal(principal.ObjectId);
        var connectionString = server.ConnectionString(TdsEncryption.Off) + PeerApp.ConnectionOptions;
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
        var side = new Side(name, invocations, requests() - requestsBefore, server.Counters.PhysicalLogins,
            server.Counters.TokensSeenBy(principal.ObjectId).Count, $"distinct tokens; SqlClient counter +{poolsAfter - poolsBefore}", latencies);
        SqlConnection.ClearAllPools();
        return side;
    }

    /// <summary>One side's counts over <see cref="Measured"/> invocations, also given per 1 000.</summary>
    private sealed record Side(string Name, int Measured, int TokenRequests, int Logins, double? Pools, string PoolSource, IReadOnlyCollection<double> LatenciesMs)
    {
        public double PerThousand(double count) => count * Invocations / Measured;

        public string Brief => $"{PerThousand(TokenRequests):F0}/{PerThousand(Logins):F0}/{(Pools is null ? "n/a" : PerThousand(Pools.Value).ToString("F0", System.Globalization.CultureInfo.InvariantCulture))} (requests/logins/pools)" + Scaled;

        public override string ToString() =>
            $"  {Name}: per 1000 invocations {PerThousand(TokenRequests):F0} token requests, {PerThousand(Logins):F0} physical logins, "
            + $"{(Pools is null ? "n/a" : PerThousand(Pools.Value).ToString("F0", System.Globalization.CultureInfo.InvariantCulture))} pools ({PoolSource}); "
            + $"invocation median {Percentiles.Of(LatenciesMs, 50):F3} ms, p99 {Percentiles.Of(LatenciesMs, 99):F3} ms"
            + Scaled;

        private string Scaled => Measured == Invocations ? string.Empty : $" [measured over {Measured}, scaled to 1000]";
    }
}
