using System.Collections.Concurrent;
using System.Diagnostics;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Identity.Client;

namespace AzureSqlFunctions.Benchmarks.Scenarios;

/// <summary>
/// Target 4: 64 invocations start together on a cold app (empty pool, empty token cache, MSAL's static cache reset)
/// whose credential is the real <c>ManagedIdentityCredential</c> against the identity endpoint peer. Each round must
/// cause exactly one token request; open latency (the handler's first ask for its connection) is collected.
/// </summary>
internal static class BurstScenario
{
    public const int Concurrency = 64;

    public static async Task<TargetResult> RunAsync(ScenarioScale scale)
    {
        var requestsPerRound = new List<int>();
        var openMs = new ConcurrentBag<double>();
        var failures = 0;
        for (var round = 0; round < scale.BurstRounds; round++)
        {
            var (requests, failed) = await RunRoundAsync(openMs);
            requestsPerRound.Add(requests);
            failures += failed;
        }

        var samples = openMs.ToArray();
        var pass = failures == 0 && requestsPerRound.All(r => r == 1);
        return new TargetResult(
            4,
            $"burst of {Concurrency} concurrent cold invocations ×{scale.BurstRounds} rounds",
            $"token requests per round [{string.Join(", ", requestsPerRound)}] (each = 1), failures {failures}, open p50 {Percentiles.Of(samples, 50):F1} ms p99 {Percentiles.Of(samples, 99):F1} ms (n={samples.Length})",
            pass);
    }

    private static async Task<(int Requests, int Failures)> RunRoundAsync(ConcurrentBag<double> openMs)
    {
        ApplicationBase.ResetStateForTest();
        using var issuer = new TokenIssuer();
        var identity = TestPrincipal.Create("burst-identity");
        await using var endpoint = await ManagedIdentityEndpoint.StartAsync(issuer, identity);
        using var environment = endpoint.ApplyToEnvironment();
        await using var app = PeerApp.Start(issuer, identity, credential: null, settings: ("Sql__Credential", "ManagedIdentity"));

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var invocations = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            var answer = await app.App.RunHttpAsync(async sql =>
            {
                var began = Stopwatch.GetTimestamp();
                await sql.GetOpenConnectionAsync();
                openMs.Add(Stopwatch.GetElapsedTime(began).TotalMilliseconds);
                await PeerApp.SelectOneAsync(sql);
                return null;
            });
            return answer.Status == 204;
        })).ToArray();

        start.SetResult();
        var failures = 0;
        foreach (var invocation in invocations)
        {
            try
            {
                failures += await invocation ? 0 : 1;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                failures++;
            }
        }

        return (endpoint.RequestCount, failures);
    }
}
