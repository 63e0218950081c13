using System.Data;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.Tds;

/// <summary>Pooling, transactions and connection resets as the real SqlClient drives them.</summary>
public sealed class TdsServerSessionTests
{
    private TdsTestContext _context = null!;

    [SetUp]
    public void StartServer() => _context = TdsTestContext.Start();

    [TearDown]
    public async Task StopServer() => await _context.DisposeAsync();

    [Test]
    public async Task A_hundred_pooled_opens_make_one_physical_login_and_reset_the_connection_on_reuse()
    {
        var token = _context.Token();
        for (var i = 0; i < 100; i++)
        {
            await using var connection = _context.ConnectionWithToken(TdsEncryption.Off, token);
            await connection.OpenAsync();
            await using var command = new SqlCommand("select 1 ", connection);
            Assert.That(await command.ExecuteScalarAsync(), Is.EqualTo(1));
        }

        Assert.Multiple(() =>
        {
            Assert.That(_context.Server.Counters.PhysicalLogins, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.ResetConnections, Is.EqualTo(99));
            Assert.That(_context.Server.Counters.Statements, Is.EqualTo(100));
            Assert.That(_context.Server.Counters.OpenSessions, Is.EqualTo(1));
            Assert.That(_context.Server.Statements.Select(s => s.SessionId).Distinct().Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task Concurrent_connections_are_separate_sessions_and_clearing_the_pool_closes_them()
    {
        var token = _context.Token();
        var connections = Enumerable.Range(0, 3).Select(_ => _context.ConnectionWithToken(TdsEncryption.Off, token)).ToList();
        foreach (var connection in connections)
        {
            await connection.OpenAsync();
        }

        Assert.That(_context.Server.Counters.OpenSessions, Is.EqualTo(3));
        foreach (var connection in connections)
        {
            await connection.DisposeAsync();
        }

        SqlConnection.ClearAllPools();

        Assert.That(() => _context.Server.Counters.OpenSessions, Is.Zero.After(5000, 20));
        Assert.That(_context.Server.Counters.MaxConcurrentSessions, Is.EqualTo(3));
    }

    [Test]
    public async Task Committed_and_rolled_back_transactions_are_counted_and_statements_carry_their_descriptor()
    {
        _context.Server.Handle("INSERT", SqlResponse.Affected(1));
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();

        await using (var committed = (SqlTransaction)await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted))
        {
            await InsertAsync(connection, committed, 1);
            await committed.CommitAsync();
        }

        await using (var rolledBack = (SqlTransaction)await connection.BeginTransactionAsync())
        {
            await InsertAsync(connection, rolledBack, 2);
            await rolledBack.RollbackAsync();
        }

        await InsertAsync(connection, null, 3);

        var statements = _context.Server.Statements;
        Assert.Multiple(() =>
        {
            Assert.That(_context.Server.Counters.TransactionsBegun, Is.EqualTo(2));
            Assert.That(_context.Server.Counters.TransactionsCommitted, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
            Assert.That(statements[0].TransactionDescriptor, Is.Not.Null);
            Assert.That(statements[1].TransactionDescriptor, Is.Not.Null.And.Not.EqualTo(statements[0].TransactionDescriptor));
            Assert.That(statements[2].TransactionDescriptor, Is.Null);
        });
    }

    [Test]
    public async Task Savepoints_roll_back_partially_and_the_transaction_still_commits()
    {
        _context.Server.Handle("INSERT", SqlResponse.Affected(1));
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();

        await InsertAsync(connection, transaction, 1);
        transaction.Save("before_second");
        await InsertAsync(connection, transaction, 2);
        transaction.Rollback("before_second");
        await InsertAsync(connection, transaction, 3);
        transaction.Commit();

        Assert.Multiple(() =>
        {
            Assert.That(_context.Server.Counters.TransactionsCommitted, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.TransactionsRolledBack, Is.Zero);
            Assert.That(_context.Server.Statements.Select(s => s.TransactionDescriptor).Distinct().Count(), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_connection_returned_to_the_pool_with_an_open_transaction_is_rolled_back_before_reuse()
    {
        var token = _context.Token();
        await using (var connection = _context.ConnectionWithToken(TdsEncryption.Off, token))
        {
            await connection.OpenAsync();
            _ = connection.BeginTransaction();
        }

        await using (var reused = _context.ConnectionWithToken(TdsEncryption.Off, token))
        {
            await reused.OpenAsync();
            await using var command = new SqlCommand("SELECT 1", reused);
            await command.ExecuteScalarAsync();
        }

        Assert.Multiple(() =>
        {
            Assert.That(_context.Server.Counters.PhysicalLogins, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.TransactionsBegun, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
            Assert.That(_context.Server.Counters.ResetConnections, Is.EqualTo(1));
            Assert.That(_context.Server.Statements.Single().TransactionDescriptor, Is.Null);
        });
    }

    private static async Task InsertAsync(SqlConnection connection, SqlTransaction? transaction, int value)
    {
        await using var command = new SqlCommand("INSERT INTO dbo.T (V) VALUES (@v)", connection, transaction);
        command.Parameters.AddWithValue("@v", value);
        Assert.That(await command.ExecuteNonQueryAsync(), Is.EqualTo(1));
    }
}
