using System.Diagnostics;
using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.TestPeers.Identity;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Benchmarks.Scenarios;

/// <summary>
/// A cross-check of target 1 that other work on the machine cannot tilt: BenchmarkDotNet measures one method after
/// the other, so a noisy minute lands on one side only. Here blocks of plain and pipeline invocations alternate
/// (order swapped every round) and the result is the median over rounds of each round's ratio of medians.
/// Reported beside target 1; the verdict stays BenchmarkDotNet's.
/// </summary>
internal static class InterleavedSelectOneCheck
{
    private const int Rounds = 30;
    private const int Block = 200;

    public static async Task<string> RunAsync()
    {
        using var issuer = new TokenIssuer { TokenLifetime = TimeSpan.FromHours(12) };
        var principal = TestPrincipal.Create("interleaved-app");
        await using var app = PeerApp.Start(issuer, principal, new IssuerCredential(issuer, principal));
        var fixedToken = issuer.Issue(principal).Token;
        var plainConnectionString = app.ConnectionString;

        async Task PlainAsync()
        {
            await using var connection = new SqlConnection(plainConnectionString) { AccessToken = fixedToken };
            await connection.OpenAsync();
            await using var command = new SqlCommand("SELECT 1", connection);
            if (await command.ExecuteScalarAsync() is not 1)
            {
                throw new InvalidOperationException("SELECT 1 did not read 1.");
            }
        }

        for (var i = 0; i < 500; i++)
        {
            await PlainAsync();
            await app.SelectOneAsync();
        }

        var ratios = new List<double>(Rounds);
        for (var round = 0; round < Rounds; round++)
        {
            double plain, ours;
            if (round % 2 == 0)
            {
                plain = await MedianMsAsync(PlainAsync);
                ours = await MedianMsAsync(app.SelectOneAsync);
            }
            else
            {
                ours = await MedianMsAsync(app.SelectOneAsync);
                plain = await MedianMsAsync(PlainAsync);
            }

            ratios.Add(ours / plain);
        }

        return $"  interleaved cross-check ({Rounds} rounds × {Block} each way): median ratio {Percentiles.Of(ratios, 50):F3} (rounds range {ratios.Min():F3}–{ratios.Max():F3})";
    }

    private static async Task<double> MedianMsAsync(Func<Task> invocation)
    {
        var samples = new double[Block];
        for (var i = 0; i < Block; i++)
        {
            var began = Stopwatch.GetTimestamp();
            await invocation();
            samples[i] = Stopwatch.GetElapsedTime(began).TotalMilliseconds;
        }

        return Percentiles.Of(samples, 50);
    }
}
