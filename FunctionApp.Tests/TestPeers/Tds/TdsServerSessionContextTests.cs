using System.Data;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.Tds;

/// <summary>
/// <c>sp_set_session_context</c> as the real SqlClient calls it (an RPC by name) and SQL Server answers it: recorded,
/// carried by every later statement of the logical connection, a read-only key refusing another set with 15664, and
/// cleared by the RESETCONNECTION of a pooled connection handed out again (on the same physical session).
/// </summary>
public sealed class TdsServerSessionContextTests
{
    private const string ReadContext = "SELECT SESSION_CONTEXT(N'OwnerId')";
    private TdsTestContext _context = null!;

    [SetUp]
    public void StartServer()
    {
        _context = TdsTestContext.Start();
        _context.Server.Handle(request => request.Text == ReadContext
            ? SqlResponse.Scalar(new TdsColumn(string.Empty, TdsColumnType.NVarChar, MaxLength: 200), request.ContextValue("OwnerId"))
            : null);
    }

    [TearDown]
    public async Task StopServer() => await _context.DisposeAsync();

    [Test]
    public async Task A_set_is_recorded_with_its_arguments_and_later_statements_run_under_it()
    {
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();

        await SetAsync(connection, "OwnerId", "alice", readOnly: true);
        var read = await ReadAsync(connection);

        var statements = _context.Server.Statements;
        Assert.Multiple(() =>
        {
            Assert.That(read, Is.EqualTo("alice"));
            Assert.That(statements.Select(s => s.Text), Is.EqualTo(new[] { "sys.sp_set_session_context", ReadContext }));
            Assert.That(statements[0].IsSessionContextCall, Is.True);
            Assert.That(statements[0].Kind, Is.EqualTo(TdsRequestKind.Rpc));
            Assert.That(statements[0].Parameters.Select(p => (p.Name, p.Value)), Is.EqualTo(new (string, object?)[] { ("@key", "OwnerId"), ("@value", "alice"), ("@read_only", true) }));
            Assert.That(statements[0].SessionContext, Is.Empty, "recorded as the call found the session");
            Assert.That(statements[1].SessionContext, Is.EqualTo(new Dictionary<string, object?> { ["OwnerId"] = "alice" }));
            Assert.That(statements[1].IsSessionContextCall, Is.False);
        });
    }

    [TestCase("bob", true, TestName = "Another value, read-only again")]
    [TestCase("alice", true, TestName = "The same value")]
    [TestCase("bob", false, TestName = "Another value, writable")]
    public async Task A_read_only_key_refuses_any_later_set_with_15664_and_keeps_its_value(string value, bool readOnly)
    {
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await SetAsync(connection, "OwnerId", "alice", readOnly: true);

        var refused = Assert.ThrowsAsync<SqlException>(() => SetAsync(connection, "OwnerId", value, readOnly));

        Assert.Multiple(async () =>
        {
            Assert.That(refused!.Number, Is.EqualTo(15664));
            Assert.That(refused.Class, Is.EqualTo(16));
            Assert.That(refused.State, Is.EqualTo(1));
            Assert.That(refused.Message, Is.EqualTo("Cannot set key 'OwnerId' in the session context. The key has been set as read_only for this session."));
            Assert.That(await ReadAsync(connection), Is.EqualTo("alice"));
        });
    }

    [Test]
    public async Task A_writable_key_can_be_changed_and_then_made_read_only()
    {
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();

        await SetAsync(connection, "OwnerId", "alice", readOnly: false);
        await SetAsync(connection, "OwnerId", "bob", readOnly: true);

        Assert.That(await ReadAsync(connection), Is.EqualTo("bob"));
        Assert.ThrowsAsync<SqlException>(() => SetAsync(connection, "OwnerId", "carol", readOnly: false));
    }

    [Test]
    public async Task A_pooled_connection_handed_out_again_is_reset_on_the_same_session_and_starts_without_any_key()
    {
        var token = _context.Token();
        await using (var first = _context.ConnectionWithToken(TdsEncryption.Off, token))
        {
            await first.OpenAsync();
            await SetAsync(first, "OwnerId", "alice", readOnly: true);
        }

        string? readBeforeSet;
        string? readAfterSet;
        await using (var reused = _context.ConnectionWithToken(TdsEncryption.Off, token))
        {
            await reused.OpenAsync();
            readBeforeSet = await ReadAsync(reused);
            await SetAsync(reused, "OwnerId", "bob", readOnly: true);
            readAfterSet = await ReadAsync(reused);
        }

        var statements = _context.Server.Statements;
        Assert.Multiple(() =>
        {
            Assert.That(_context.Server.Counters.PhysicalLogins, Is.EqualTo(1));
            Assert.That(statements.Select(s => s.SessionId).Distinct().Count(), Is.EqualTo(1), "one physical session");
            Assert.That(statements.Select(s => s.ResetConnection), Is.EqualTo(new[] { false, true, false, false }), "the reuse's first request carried the reset");
            Assert.That(readBeforeSet, Is.Null, "the reset cleared alice's read-only key");
            Assert.That(readAfterSet, Is.EqualTo("bob"), "and the new set was not refused");
            Assert.That(statements[1].SessionContext, Is.Empty);
        });
    }

    [Test]
    public async Task A_reset_that_kept_the_context_would_hand_the_previous_key_on_and_a_read_only_key_then_refuses_the_new_set()
    {
        var token = _context.Token();
        await using (var first = _context.ConnectionWithToken(TdsEncryption.Off, token))
        {
            await first.OpenAsync();
            await SetAsync(first, "OwnerId", "alice", readOnly: true);
        }

        _context.Server.Faults.KeepSessionContextOnNextReset();
        await using var reused = _context.ConnectionWithToken(TdsEncryption.Off, token);
        await reused.OpenAsync();

        var refused = Assert.ThrowsAsync<SqlException>(() => SetAsync(reused, "OwnerId", "bob", readOnly: true));

        Assert.That(refused!.Number, Is.EqualTo(15664));
        Assert.That(_context.Server.Statements[1].ResetConnection, Is.True);
    }

    [Test]
    public async Task A_session_context_fault_fails_the_set_while_a_statement_fault_waits_for_the_next_statement()
    {
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        _context.Server.Faults.FailNextStatement(208, "Invalid object name 'x'.");
        _context.Server.Faults.FailNextSessionContext(8114, "Error converting data type.");

        var contextFailure = Assert.ThrowsAsync<SqlException>(() => SetAsync(connection, "OwnerId", "alice", readOnly: true));
        var statementFailure = Assert.ThrowsAsync<SqlException>(() => ReadAsync(connection));

        Assert.That(contextFailure!.Number, Is.EqualTo(8114));
        Assert.That(statementFailure!.Number, Is.EqualTo(208));
        await SetAsync(connection, "OwnerId", "alice", readOnly: true);
        Assert.That(await ReadAsync(connection), Is.EqualTo("alice"), "the failed set set nothing");
    }

    private static async Task SetAsync(SqlConnection connection, string key, string value, bool readOnly)
    {
        await using var command = new SqlCommand("sys.sp_set_session_context", connection) { CommandType = CommandType.StoredProcedure };
        command.Parameters.Add(new SqlParameter("@key", SqlDbType.NVarChar, 128) { Value = key });
        command.Parameters.Add(new SqlParameter("@value", SqlDbType.VarChar, 73) { Value = value });
        command.Parameters.Add(new SqlParameter("@read_only", SqlDbType.Bit) { Value = readOnly });
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string?> ReadAsync(SqlConnection connection)
    {
        await using var command = new SqlCommand(ReadContext, connection);
        return await command.ExecuteScalarAsync() as string;
    }
}
