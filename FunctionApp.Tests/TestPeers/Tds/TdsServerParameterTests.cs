using System.Data;
using System.Data.SqlTypes;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Data.SqlClient;
using NUnit.Framework;

namespace AzureSqlFunctions.Tests.TestPeers.Tds;

/// <summary>Typed parameters in (RPC sp_executesql) and typed result sets out, through the real SqlClient.</summary>
public sealed class TdsServerParameterTests
{
    private static readonly Guid s_guid = Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff");
    private static readonly DateTime s_dateTime = new(2024, 2, 29, 13, 45, 30, 123, DateTimeKind.Unspecified);
    private static readonly DateTime s_dateTime2 = new DateTime(2024, 2, 29, 13, 45, 30, DateTimeKind.Unspecified).AddTicks(1_234_567);
    private static readonly DateTimeOffset s_dateTimeOffset = new DateTimeOffset(2024, 2, 29, 13, 45, 30, TimeSpan.FromHours(2)).AddTicks(1_234_567);
    private static readonly byte[] s_bytes = [1, 2, 3, 250, 251];
    private static readonly byte[] s_longBytes = [.. Enumerable.Range(0, 10_000).Select(i => (byte)i)];
    private static readonly string s_longText = new('ж', 6_000);

    /// <summary>name, SqlDbType, size (0 = default, -1 = max), value, the SQL type the server must see, the column type to echo it in.</summary>
    private static readonly (string Name, SqlDbType Type, int Size, object Value, string SqlType, TdsColumn Column)[] s_cases =
    [
        ("@int", SqlDbType.Int, 0, 42, "int", new TdsColumn("int", TdsColumnType.Int)),
        ("@bigint", SqlDbType.BigInt, 0, 9_000_000_000L, "bigint", new TdsColumn("bigint", TdsColumnType.BigInt)),
        ("@text", SqlDbType.NVarChar, 4000, "héllo, wörld", "nvarchar(4000)", new TdsColumn("text", TdsColumnType.NVarChar, MaxLength: 4000)),
        ("@longtext", SqlDbType.NVarChar, -1, s_longText, "nvarchar(max)", new TdsColumn("longtext", TdsColumnType.NVarCharMax)),
        ("@bit", SqlDbType.Bit, 0, true, "bit", new TdsColumn("bit", TdsColumnType.Bit)),
        ("@decimal", SqlDbType.Decimal, 0, -12345.6789m, "decimal(18,4)", new TdsColumn("decimal", TdsColumnType.Decimal, Precision: 18, Scale: 4)),
        ("@datetime", SqlDbType.DateTime, 0, s_dateTime, "datetime", new TdsColumn("datetime", TdsColumnType.DateTime)),
        ("@datetime2", SqlDbType.DateTime2, 0, s_dateTime2, "datetime2(7)", new TdsColumn("datetime2", TdsColumnType.DateTime2, Scale: 7)),
        ("@dto", SqlDbType.DateTimeOffset, 0, s_dateTimeOffset, "datetimeoffset(7)", new TdsColumn("dto", TdsColumnType.DateTimeOffset, Scale: 7)),
        ("@guid", SqlDbType.UniqueIdentifier, 0, s_guid, "uniqueidentifier", new TdsColumn("guid", TdsColumnType.UniqueIdentifier)),
        ("@bytes", SqlDbType.VarBinary, 8000, s_bytes, "varbinary(8000)", new TdsColumn("bytes", TdsColumnType.VarBinary, MaxLength: 8000)),
        ("@longbytes", SqlDbType.VarBinary, -1, s_longBytes, "varbinary(max)", new TdsColumn("longbytes", TdsColumnType.VarBinaryMax)),
    ];

    private TdsTestContext _context = null!;

    [SetUp]
    public void StartServer() => _context = TdsTestContext.Start();

    [TearDown]
    public async Task StopServer() => await _context.DisposeAsync();

    [Test]
    public async Task Every_type_round_trips_as_parameter_and_as_result_column_with_nulls_and_rowversion()
    {
        const string statement = "SELECT * FROM dbo.Everything WHERE Id = @int";
        var rowVersion = new TdsColumn("version", TdsColumnType.RowVersion, Nullable: false);
        var columns = s_cases.Select(c => c.Column).Append(rowVersion).ToArray();
        _context.Server.Handle(request => request.Text == statement
            ? SqlResponse.Rows(columns, [
                [.. s_cases.Select(c => request[c.Name]), 2001UL],
                [.. s_cases.Select(c => request[c.Name + "_null"]), new byte[] { 0, 0, 0, 0, 0, 0, 0x0F, 0xA1 }],
            ])
            : null);
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var command = new SqlCommand(statement, connection);
        foreach (var (name, type, size, value, _, _) in s_cases)
        {
            command.Parameters.Add(Parameter(name, type, size, value));
            command.Parameters.Add(Parameter(name + "_null", type, size, DBNull.Value));
        }

        var rows = new List<object[]>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                rows.Add(values);
            }
        }

        var recorded = _context.Server.Statements.Single();
        Assert.That(rows, Has.Count.EqualTo(2), string.Join("; ", _context.Server.SessionEnds));
        Assert.Multiple(() =>
        {
            Assert.That(recorded.Kind, Is.EqualTo(TdsRequestKind.Rpc));
            Assert.That(recorded.Text, Is.EqualTo(statement));
            Assert.That(recorded.TransactionDescriptor, Is.Null);
            for (var i = 0; i < s_cases.Length; i++)
            {
                var expected = s_cases[i];
                Assert.That(recorded.Parameters[2 * i], Is.EqualTo(new SqlParameterValue(expected.Name, expected.SqlType, recorded.Parameters[2 * i].Value)));
                Assert.That(recorded.Parameters[2 * i].Value, Is.EqualTo(Expected(expected.Value)).And.TypeOf(expected.Value.GetType()), expected.Name);
                Assert.That(recorded.Parameters[(2 * i) + 1], Is.EqualTo(new SqlParameterValue(expected.Name + "_null", expected.SqlType, null)));
                Assert.That(rows[0][i], Is.EqualTo(Expected(expected.Value)).And.TypeOf(expected.Value.GetType()), $"column {expected.Column.Name}");
                Assert.That(rows[1][i], Is.EqualTo(DBNull.Value), $"column {expected.Column.Name} NULL");
            }

            Assert.That(rows[0][^1], Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0x07, 0xD1 }));
            Assert.That(rows[1][^1], Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0x0F, 0xA1 }));
        });
    }

    [Test]
    public async Task Long_values_of_every_length_survive_packet_boundaries()
    {
        int[] lengths = [0, 1, 2000, 2021, 2022, 2043, 2044, 2045, 4000, 4100, 9000];
        var texts = lengths.Select(n => string.Concat(Enumerable.Range(0, n).Select(i => (char)('a' + (i % 26))))).ToArray();
        var columns = new[] { new TdsColumn("text", TdsColumnType.NVarCharMax), new TdsColumn("bytes", TdsColumnType.VarBinaryMax) };
        _context.Server.Handle("dbo.Documents", SqlResponse.Rows(columns, texts.Select(t => new object?[] { t, System.Text.Encoding.UTF8.GetBytes(t) })));
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var command = new SqlCommand("SELECT Text, Bytes FROM dbo.Documents", connection);

        var read = new List<(string Text, byte[] Bytes)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                read.Add((reader.GetString(0), (byte[])reader.GetValue(1)));
            }
        }

        Assert.That(read.Select(r => r.Text), Is.EqualTo(texts));
        Assert.That(read.Select(r => System.Text.Encoding.UTF8.GetString(r.Bytes)), Is.EqualTo(texts));
    }

    [Test]
    public async Task A_statement_longer_than_4000_characters_arrives_whole_in_its_ntext_form()
    {
        var statement = "SELECT @p /*" + new string('x', 5_000) + "*/";
        _context.Server.Handle(request => request.Text == statement
            ? SqlResponse.Scalar(new TdsColumn("p", TdsColumnType.Int), request["p"])
            : null);
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var command = new SqlCommand(statement, connection);
        command.Parameters.AddWithValue("@p", 7);

        var result = await command.ExecuteScalarAsync();

        Assert.That(result, Is.EqualTo(7));
        Assert.That(_context.Server.Statements.Single().Text, Is.EqualTo(statement));
    }

    [Test]
    public async Task Rows_affected_and_several_result_sets_reach_the_reader()
    {
        var id = new TdsColumn("Id", TdsColumnType.Int, Nullable: false);
        var name = new TdsColumn("Name", TdsColumnType.NVarChar, MaxLength: 100);
        _context.Server.Handle("UPDATE dbo.Orders", SqlResponse.Affected(3));
        _context.Server.Handle("FROM dbo.Orders", SqlResponse.Rows([id, name], [[1, "one"], [2, null]]).ThenRows([id], [[3]]));
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();

        await using var update = new SqlCommand("UPDATE dbo.Orders SET Name = @n", connection);
        update.Parameters.AddWithValue("@n", "x");
        var affected = await update.ExecuteNonQueryAsync();

        await using var select = new SqlCommand("SELECT Id, Name FROM dbo.Orders; SELECT Id FROM dbo.Orders", connection);
        var sets = new List<List<object>>();
        await using (var reader = await select.ExecuteReaderAsync())
        {
            do
            {
                var set = new List<object>();
                while (await reader.ReadAsync())
                {
                    set.Add(reader.GetValue(reader.FieldCount - 1));
                }

                sets.Add(set);
            }
            while (await reader.NextResultAsync());
        }

        Assert.Multiple(() =>
        {
            Assert.That(affected, Is.EqualTo(3));
            Assert.That(sets, Has.Count.EqualTo(2));
            Assert.That(sets[0], Is.EqualTo(new object[] { "one", DBNull.Value }));
            Assert.That(sets[1], Is.EqualTo(new object[] { 3 }));
            Assert.That(_context.Server.Statements.Select(s => s.Kind), Is.EqualTo(new[] { TdsRequestKind.Rpc, TdsRequestKind.SqlBatch }));
        });
    }

    [Test]
    public async Task A_stored_procedure_call_arrives_by_name_with_its_parameters()
    {
        _context.Server.Handle(request => request.Text == "dbo.Archive" ? SqlResponse.Affected(Convert.ToInt64(request["days"], System.Globalization.CultureInfo.InvariantCulture)) : null);
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var command = new SqlCommand("dbo.Archive", connection) { CommandType = CommandType.StoredProcedure };
        command.Parameters.Add(new SqlParameter("@days", SqlDbType.Int) { Value = 30 });

        var affected = await command.ExecuteNonQueryAsync();

        Assert.Multiple(() =>
        {
            Assert.That(affected, Is.EqualTo(30));
            Assert.That(_context.Server.Statements.Single().Parameters, Is.EqualTo(new[] { new SqlParameterValue("@days", "int", 30) }));
        });
    }

    [Test]
    public async Task Batched_rpcs_each_reach_a_handler_and_answer_in_order()
    {
        _context.Server.Handle(request => request.Text.StartsWith("INSERT", StringComparison.Ordinal)
            ? SqlResponse.Affected(Convert.ToInt32(request["n"], System.Globalization.CultureInfo.InvariantCulture))
            : null);
        await using var connection = _context.ConnectionWithToken();
        await connection.OpenAsync();
        await using var batch = new SqlBatch(connection);
        for (var n = 1; n <= 3; n++)
        {
            var command = new SqlBatchCommand("INSERT INTO dbo.T VALUES (@n)");
            command.Parameters.Add(new SqlParameter("@n", n));
            batch.BatchCommands.Add(command);
        }

        var total = await batch.ExecuteNonQueryAsync();

        Assert.Multiple(() =>
        {
            Assert.That(total, Is.EqualTo(6));
            Assert.That(_context.Server.Statements.Select(s => s.Parameters.Single().Value), Is.EqualTo(new object[] { 1, 2, 3 }));
        });
    }

    private static SqlParameter Parameter(string name, SqlDbType type, int size, object value)
    {
        var parameter = new SqlParameter(name, type) { Value = value, Size = size };
        if (type == SqlDbType.Decimal)
        {
            parameter.Precision = 18;
            parameter.Scale = 4;
        }

        return parameter;
    }

    /// <summary>What the server sees after the client's own conversion: datetime is rounded to 1/300 s.</summary>
    private static object Expected(object value) => value is DateTime dateTime && dateTime == s_dateTime
        ? new SqlDateTime(dateTime).Value
        : value;
}
