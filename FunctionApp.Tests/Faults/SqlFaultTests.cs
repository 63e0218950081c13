using System.Diagnostics;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>The SQL side of the fault matrix at the middleware: a defined outcome, a rollback, and no leaked session.</summary>
public sealed class SqlFaultTests
{
    private static readonly TdsColumn Number = new("n", TdsColumnType.Int, Nullable: false);

    [Test]
    public async Task A_connection_dropped_mid_result_answers_503_and_leaks_no_session()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App();
        peers.Server.Handle("SELECT n", SqlResponse.Rows([Number], Enumerable.Range(1, 1000).Select(i => new object?[] { i })));
        peers.Server.Faults.DropConnectionDuringNextResult(afterRows: 10);

        var answer = await app.RunHttpAsync(async sql =>
        {
            await sql.BeginUnitOfWorkAsync();
            await using var command = new SqlCommand("SELECT n FROM dbo.Numbers", await sql.GetOpenConnectionAsync(), sql.Transaction);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }

            return null;
        });

        Assert.That(answer.Status, Is.EqualTo(503));
        Assert.That(answer.Json().GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.DatabaseUnavailable));
        Assert.That(peers.Server.Counters.TransactionsCommitted, Is.Zero);
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1), "the broken session is not handed out again");
        await peers.Server.Counters.WaitUntilAsync(c => c.OpenSessions == 1, TimeSpan.FromSeconds(5));
    }

    [Test]
    public async Task An_error_on_a_statement_rolls_back_answers_500_and_the_session_is_reused()
    {
        await using var peers = AppPeers.Start();
        var app = peers.App();
        peers.Server.Faults.FailNextStatement(547, "The INSERT statement conflicted with the CHECK constraint \"CK_Todos_Title_NotBlank\".");

        var answer = await app.RunHttpAsync(async sql =>
        {
            await sql.BeginUnitOfWorkAsync();
            await using var insert = new SqlCommand("INSERT INTO dbo.Todos (Title) VALUES (N'')", await sql.GetOpenConnectionAsync(), sql.Transaction);
            await insert.ExecuteNonQueryAsync();
            return null;
        });

        Assert.That(answer.Status, Is.EqualTo(500), "a constraint violation is a bug, not a reason to retry");
        Assert.That(answer.Json().GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.InternalError));
        Assert.That(answer.Body, Does.Not.Contain("CK_Todos_Title_NotBlank"), "no server message reaches the client");
        Assert.That(peers.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(peers.Server.Counters.PhysicalLogins, Is.EqualTo(1));
    }

    [Test]
    public async Task An_exhausted_pool_answers_503_within_the_connect_timeout_and_does_not_hang()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var peers = AppPeers.Start();
        // A pool of two and a short connect timeout.
        var app = peers.App(("Sql__OpenRetries", "0"), ("Sql__ConnectionString", peers.ConnectionString(extra: "Max Pool Size=2;Connect Timeout=2;")));

        Task<HttpAnswer> Hold() => app.RunHttpAsync(async sql =>
        {
            await sql.GetOpenConnectionAsync();
            await release.Task;
            return null;
        });

        var holders = Enumerable.Range(0, 2).Select(_ => Hold()).ToArray();
        await peers.Server.Counters.WaitUntilAsync(c => c.OpenSessions == 2, TimeSpan.FromSeconds(10));

        var clock = Stopwatch.StartNew();
        var starved = await app.RunHttpAsync(async sql =>
        {
            await sql.GetOpenConnectionAsync();
            return TypedResults.Ok();
        });
        clock.Stop();
        release.SetResult();

        Assert.That(starved.Status, Is.EqualTo(503));
        Assert.That(starved.Json().GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.ConnectionPoolExhausted));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That((await Task.WhenAll(holders)).Select(h => h.Status), Is.All.EqualTo(204));
        Assert.That(peers.Server.Counters.OpenSessions, Is.EqualTo(2), "the holders' sessions went back to the pool");
    }
}
