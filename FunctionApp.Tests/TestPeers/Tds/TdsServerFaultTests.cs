using System.Diagnostics;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.Tds;

/// <summary>Attention, injected faults and shutdown, observed through the real SqlClient.</summary>
public sealed class TdsServerFaultTests
{
    private static readonly TdsColumn s_number = new("n", TdsColumnType.Int, Nullable: false);

    private TdsTestContext _context = null!;

    [SetUp]
    public void StartServer() => _context = TdsTestContext.Start();

    [TearDown]
    public async Task StopServer() => await _context.DisposeAsync();

    [Test]
    public async Task Command_timeout_sends_attention_that_cancels_a_hanging_handler_and_the_connection_stays_usable()
    {
        var handlerCancelled = new TaskCompletionSource();
        _context.Server.Handle(async (request, cancellationToken) =>
        {
            if (request.Text != "EXEC dbo.Hang")
            {
                return null;
            }

            await using var registration = cancellationToken.Register(() => handlerCancelled.TrySetResult());
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        });
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var hanging = new SqlCommand("EXEC dbo.Hang", connection) { CommandTimeout = 1 };
        var clock = Stopwatch.StartNew();

        var timeout = Assert.ThrowsAsync<SqlException>(async () => await hanging.ExecuteNonQueryAsync());

        Assert.Multiple(async () =>
        {
            Assert.That(timeout!.Number, Is.EqualTo(-2), timeout.Message); // SqlClient's "execution timeout expired"
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5))); // SqlClient gives up on DONE_ATTN after 5 s
            Assert.That(handlerCancelled.Task.IsCompleted, Is.True);
            Assert.That(_context.Server.Counters.Attentions, Is.EqualTo(1));
            Assert.That(await SelectOneAsync(connection), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Cancel_during_an_endless_result_stops_the_rows_and_the_connection_stays_usable()
    {
        var produced = 0;
        _context.Server.Handle("dbo.Endless", SqlResponse.Rows([s_number], Endless()));
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var command = new SqlCommand("SELECT n FROM dbo.Endless", connection);

        await using (var reader = await command.ExecuteReaderAsync())
        {
            for (var i = 0; i < 1000; i++)
            {
                Assert.That(await reader.ReadAsync(), Is.True);
                Assert.That(reader.GetInt32(0), Is.EqualTo(i));
            }

            command.Cancel();

            // SqlClient either reports the cancel ("Operation cancelled by user") or ends the result when the server's
            // attention acknowledgement arrives (seen both ways on CI): either way the rows stop, after at most what
            // was already on the wire.
            var rowsAfterCancel = 0;
            try
            {
                while (await reader.ReadAsync())
                {
                    Assert.That(++rowsAfterCancel, Is.LessThan(1_000_000), "rows kept coming after the cancel");
                }
            }
            catch (SqlException cancelled)
            {
                Assert.That(cancelled.Message, Does.Contain("cancel").IgnoreCase);
            }
        }

        // SqlClient may end the read before the server has answered the attention; the session serves requests in
        // order, so the next statement's answer is the event that says the endless result has ended.
        Assert.That(await SelectOneAsync(connection), Is.EqualTo(1));
        var producedAfterCancel = Volatile.Read(ref produced);
        await Task.Delay(200);
        Assert.Multiple(() =>
        {
            Assert.That(Volatile.Read(ref produced), Is.EqualTo(producedAfterCancel), "rows kept coming after attention");
            Assert.That(_context.Server.Counters.Attentions, Is.EqualTo(1));
        });

        IEnumerable<object?[]> Endless()
        {
            for (var n = 0; ; n++)
            {
                Interlocked.Increment(ref produced);
                yield return [n];
            }
        }
    }

    [Test]
    public async Task Injected_statement_error_fails_only_the_next_statement()
    {
        _context.Server.Faults.FailNextStatement(1205, "Transaction (Process ID 51) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.", 13);
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();

        var exception = Assert.ThrowsAsync<SqlException>(async () => await SelectOneAsync(connection));

        Assert.Multiple(async () =>
        {
            Assert.That(exception!.Number, Is.EqualTo(1205));
            Assert.That(exception.Class, Is.EqualTo(13));
            Assert.That(exception.Message, Does.StartWith("Transaction (Process ID 51) was deadlocked"));
            Assert.That(await SelectOneAsync(connection), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Handler_errors_and_unhandled_statements_become_sql_errors()
    {
        _context.Server.Handle("dbo.Broken", SqlResponse.Error(547, "The INSERT statement conflicted with the FOREIGN KEY constraint."));
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var broken = new SqlCommand("INSERT INTO dbo.Broken VALUES (@v)", connection);
        broken.Parameters.AddWithValue("@v", 1);
        await using var unknown = new SqlCommand("SELECT * FROM dbo.Nowhere", connection);

        var handled = Assert.ThrowsAsync<SqlException>(async () => await broken.ExecuteNonQueryAsync());
        var unhandled = Assert.ThrowsAsync<SqlException>(async () => await unknown.ExecuteNonQueryAsync());

        Assert.Multiple(() =>
        {
            Assert.That(handled!.Number, Is.EqualTo(547));
            Assert.That(unhandled!.Number, Is.EqualTo(50000));
            Assert.That(unhandled.Message, Is.EqualTo("TdsServer: no handler for statement 'SELECT * FROM dbo.Nowhere'"));
        });
    }

    [Test]
    public async Task A_row_that_cannot_be_sent_ends_its_result_with_an_error_after_the_rows_before_it()
    {
        _context.Server.Handle("dbo.Mixed", SqlResponse.Rows([s_number], [[1], [2], ["not a number"]]));
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var command = new SqlCommand("SELECT n FROM dbo.Mixed", connection);
        var read = new List<int>();

        var exception = Assert.ThrowsAsync<SqlException>(async () =>
        {
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                read.Add(reader.GetInt32(0));
            }
        });

        Assert.Multiple(async () =>
        {
            Assert.That(read, Is.EqualTo(new List<int> { 1, 2 }));
            Assert.That(exception!.Number, Is.EqualTo(50000));
            Assert.That(exception.Message, Does.StartWith("TdsServer: row 3 of a result set failed: FormatException"));
            Assert.That(await SelectOneAsync(connection), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_severity_20_statement_error_breaks_the_connection()
    {
        _context.Server.Faults.FailNextStatement(40197, AzureSqlErrors.MessageFor(40197, "appdb"), 20);
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();

        var exception = Assert.ThrowsAsync<SqlException>(async () => await SelectOneAsync(connection));

        Assert.Multiple(() =>
        {
            Assert.That(exception!.Number, Is.EqualTo(40197));
            Assert.That(connection.State, Is.EqualTo(System.Data.ConnectionState.Closed));
            Assert.That(() => _context.Server.Counters.OpenSessions, Is.Zero.After(5000, 20));
        });
    }

    [Test]
    public async Task Dropping_the_connection_mid_result_fails_the_reader_and_ends_the_session()
    {
        _context.Server.Handle("dbo.Many", SqlResponse.Rows([s_number], Enumerable.Range(0, 100).Select(n => new object?[] { n })));
        _context.Server.Faults.DropConnectionDuringNextResult(afterRows: 3);
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var command = new SqlCommand("SELECT n FROM dbo.Many", connection);
        var read = 0;

        Assert.That(
            async () =>
            {
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    read++;
                }
            },
            Throws.InstanceOf<SqlException>());

        Assert.That(read, Is.LessThanOrEqualTo(3));
        Assert.That(() => _context.Server.Counters.OpenSessions, Is.Zero.After(5000, 20));
    }

    [Test]
    public async Task Request_delay_holds_every_answer_back()
    {
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        _context.Server.Faults.RequestDelay = TimeSpan.FromMilliseconds(400);
        var clock = Stopwatch.StartNew();

        await SelectOneAsync(connection);

        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(350)));
    }

    [Test]
    public async Task Dispose_ends_open_sessions_and_hanging_handlers_and_refuses_new_connections()
    {
        _context.Server.Handle(async (request, cancellationToken) =>
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return null;
        });
        var connectionString = _context.Server.ConnectionString(TdsEncryption.Off) + "Pooling=False;ConnectRetryCount=0;Connect Timeout=3;";
        await using var connection = new SqlConnection(connectionString) { AccessToken = _context.Token() };
        await connection.OpenAsync();
        await using var command = new SqlCommand("EXEC dbo.Hang", connection) { CommandTimeout = 30 };
        var hanging = command.ExecuteNonQueryAsync();
        Assert.That(() => _context.Server.Statements.Count, Is.EqualTo(1).After(5000, 20));
        var clock = Stopwatch.StartNew();

        await _context.Server.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(_context.Server.Counters.OpenSessions, Is.Zero);
            Assert.That(File.Exists(_context.Server.CertificatePath), Is.False);
            Assert.That(async () => await hanging, Throws.InstanceOf<SqlException>());
        });
        await using var late = new SqlConnection(connectionString) { AccessToken = _context.Token() };
        Assert.That(async () => await late.OpenAsync(), Throws.InstanceOf<SqlException>());
    }

    private static async Task<object?> SelectOneAsync(SqlConnection connection)
    {
        await using var command = new SqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync();
    }
}
