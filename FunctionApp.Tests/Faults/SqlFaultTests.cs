using System.Diagnostics;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>The SQL side of the fault matrix at the pipeline: a defined outcome, a rollback, and no leaked session.</summary>
public sealed class SqlFaultTests
{
    private static readonly TdsColumn Number = new("n", TdsColumnType.Int, Nullable: false);

    [Test]
    public async Task A_connection_dropped_mid_result_answers_503_and_leaks_no_session()
    {
        await using var app = AppOnPeer.Start();
        app.Server.Handle("SELECT n", SqlResponse.Rows([Number], Enumerable.Range(1, 1000).Select(i => new object?[] { i })));
        app.Server.Faults.DropConnectionDuringNextResult(afterRows: 10);

        var problem = await app.InvokeAsync(async sql =>
        {
            await sql.BeginUnitOfWorkAsync();
            await using var command = new SqlCommand("SELECT n FROM dbo.Numbers", await sql.GetOpenConnectionAsync(), sql.Transaction);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
            }
        });

        Assert.That(problem?.Status, Is.EqualTo(503));
        Assert.That(problem!.Type, Is.EqualTo(ProblemTypes.DatabaseUnavailable));
        Assert.That(app.Server.Counters.TransactionsCommitted, Is.Zero);
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1), "the broken session is not handed out again");
        Assert.That(app.Server.Counters.OpenSessions, Is.EqualTo(1));
    }

    [Test]
    public async Task An_error_on_a_statement_rolls_back_propagates_and_the_session_is_reused()
    {
        await using var app = AppOnPeer.Start();
        app.Server.Faults.FailNextStatement(547, "The INSERT statement conflicted with the CHECK constraint \"CK_Todos_Title_NotBlank\".");

        var thrown = Assert.ThrowsAsync<SqlException>(() => app.InvokeAsync(async sql =>
        {
            await sql.BeginUnitOfWorkAsync();
            await using var insert = new SqlCommand("INSERT INTO dbo.Todos (Title) VALUES (N'')", await sql.GetOpenConnectionAsync(), sql.Transaction);
            await insert.ExecuteNonQueryAsync();
        }));

        Assert.That(thrown!.Number, Is.EqualTo(547), "not a 503: the host answers 500 and logs the failure");
        Assert.That(app.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
        Assert.That(await app.SelectOneAsync(), Is.EqualTo(1));
        Assert.That(app.Server.Counters.PhysicalLogins, Is.EqualTo(1));
    }

    [Test]
    public async Task An_exhausted_pool_answers_503_within_the_connect_timeout_and_does_not_hang()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = AppOnPeer.Start(settings: ("Sql__OpenRetries", "0"));

        // A second app over the same peer, with a pool of two and a short connect timeout.
        var services = TestApp.Services(
            app.Server.ConnectionString(TdsEncryption.Off) + AppOnPeer.ConnectionOptions + "Max Pool Size=2;Connect Timeout=2;",
            AppOnPeer.IssuingCredential(app.Issuer, app.Principal),
            ("Sql__OpenRetries", "0"));
        await using var disposeServices = services;
        var pipeline = services.Pipeline();

        Task<ProblemDetails?> Hold(int i) => pipeline.RunAsync(
            new AzureSqlFunctions.Sql.InvocationInfo($"hold-{i}", "Hold", true, CancellationToken.None),
            release.Task,
            static async (sql, released) =>
            {
                await sql.GetOpenConnectionAsync();
                await released;
            });

        var holders = Enumerable.Range(0, 2).Select(Hold).ToArray();
        await WaitUntil(() => app.Server.Counters.OpenSessions == 2);

        var clock = Stopwatch.StartNew();
        var starved = await pipeline.RunAsync(
            new AzureSqlFunctions.Sql.InvocationInfo("starved", "Starved", true, CancellationToken.None),
            0,
            static async (sql, _) => await sql.GetOpenConnectionAsync());
        clock.Stop();
        release.SetResult();

        Assert.That(starved?.Status, Is.EqualTo(503));
        Assert.That(starved!.Type, Is.EqualTo(ProblemTypes.ConnectionPoolExhausted));
        Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)));
        Assert.That(await Task.WhenAll(holders), Is.All.Null);
        Assert.That(app.Server.Counters.OpenSessions, Is.EqualTo(2), "the holders' sessions went back to the pool");
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.That(deadline.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "condition not reached");
            await Task.Delay(10);
        }
    }
}
