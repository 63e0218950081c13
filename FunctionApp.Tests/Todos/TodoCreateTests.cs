using System.Text;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Todos;
using AzureSqlFunctions.Sql;

namespace AzureSqlFunctions.Tests.Todos;

internal sealed class TodoCreateTests : TodoApiFixture
{
    [Test]
    public async Task Create_stores_the_trimmed_title_and_answers_201_with_location_etag_and_item()
    {
        var result = await Create(Json("""{ "title": "  Buy milk  ", "notes": "2 litres", "dueAt": "2026-12-01T09:30:00+02:00", "isDone": true }"""));

        Assert.That(result.Status, Is.EqualTo(201), result.Body);
        var stored = Table.Find(1)!;
        Assert.That(stored.Title, Is.EqualTo("Buy milk"));
        Assert.That(result.Headers["Location"], Is.EqualTo("/api/todos/1"));
        Assert.That(result.Headers["ETag"], Is.EqualTo("\"" + Convert.ToBase64String(stored.RowVersion) + "\""));
        var body = result.Json();
        Assert.Multiple(() =>
        {
            Assert.That(body.GetProperty("id").GetInt64(), Is.EqualTo(1));
            Assert.That(body.GetProperty("title").GetString(), Is.EqualTo("Buy milk"));
            Assert.That(body.GetProperty("notes").GetString(), Is.EqualTo("2 litres"));
            Assert.That(body.GetProperty("dueAt").GetDateTimeOffset(), Is.EqualTo(new DateTimeOffset(2026, 12, 1, 9, 30, 0, TimeSpan.FromHours(2))));
            Assert.That(body.GetProperty("dueAt").GetString(), Does.EndWith("+02:00"));
            Assert.That(body.GetProperty("isDone").GetBoolean(), Is.True);
            Assert.That(body.GetProperty("etag").GetString(), Is.EqualTo(result.Headers["ETag"]));
        });
    }

    [Test]
    public async Task Create_sends_one_insert_with_parameters_typed_like_the_columns()
    {
        await Create(Json("""{ "title": "Typed", "dueAt": "2026-12-01T08:30:00Z" }"""));

        var insert = Sent(TodoSql.Insert).Single();
        Assert.Multiple(() =>
        {
            Assert.That(Peer.Server.Statements.Select(s => s.Text), Is.EqualTo(new[] { SessionContext.SetProcedure, TodoSql.Insert }), "the caller's session context, then the one insert");
            Assert.That(insert.Kind, Is.EqualTo(AzureSqlFunctions.TestPeers.Tds.TdsRequestKind.Rpc), "parameterised, never concatenated");
            Assert.That(Parameter(insert, "@Title").SqlType, Is.EqualTo("nvarchar(200)"));
            Assert.That(Parameter(insert, "@Notes").SqlType, Is.EqualTo("nvarchar(max)"));
            Assert.That(Parameter(insert, "@Notes").Value, Is.Null);
            Assert.That(Parameter(insert, "@DueAt").SqlType, Does.StartWith("datetimeoffset"));
            Assert.That(Parameter(insert, "@DueAt").Value, Is.EqualTo(new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero)));
            Assert.That(Parameter(insert, "@IsDone").SqlType, Is.EqualTo("bit"));
            Assert.That(Parameter(insert, "@IsDone").Value, Is.False, "isDone defaults to false");
        });
    }

    [Test]
    public async Task Sql_injection_text_travels_verbatim_as_a_parameter()
    {
        const string Hostile = "x'); DROP TABLE dbo.Todos; --";
        const string HostileNotes = "'; EXEC xp_cmdshell 'dir'; SELECT '";
        var result = await Create(Json(new { title = Hostile, notes = HostileNotes }));

        Assert.That(result.Status, Is.EqualTo(201));
        var insert = Sent(TodoSql.Insert).Single();
        Assert.Multiple(() =>
        {
            Assert.That(insert.Text, Is.EqualTo(TodoSql.Insert), "the statement text is the constant, untouched");
            Assert.That(Parameter(insert, "@Title").Value, Is.EqualTo(Hostile));
            Assert.That(Parameter(insert, "@Notes").Value, Is.EqualTo(HostileNotes));
            Assert.That(result.Json().GetProperty("title").GetString(), Is.EqualTo(Hostile));
        });
    }

    [Test]
    public async Task Unicode_with_emoji_rtl_and_nul_round_trips()
    {
        const string Title = "Einkaufen 🛒 مرحبا بالعالم \u0000 end ✅";
        const string Notes = "עברית\u200F and 𝄞 and \u0000";
        var result = await Create(Json(new { title = Title, notes = Notes }));

        Assert.That(result.Status, Is.EqualTo(201), result.Body);
        var insert = Sent(TodoSql.Insert).Single();
        var body = result.Json();
        Assert.Multiple(() =>
        {
            Assert.That(Parameter(insert, "@Title").Value, Is.EqualTo(Title));
            Assert.That(Parameter(insert, "@Notes").Value, Is.EqualTo(Notes));
            Assert.That(body.GetProperty("title").GetString(), Is.EqualTo(Title), "read back from the database's row");
            Assert.That(body.GetProperty("notes").GetString(), Is.EqualTo(Notes));
        });
    }

    [Test]
    public async Task Limits_are_inclusive_title_200_after_trimming_and_notes_10000()
    {
        var title = "  " + new string('t', 200) + "  ";
        var result = await Create(Json(new { title, notes = new string('n', 10_000) }));

        Assert.That(result.Status, Is.EqualTo(201), result.Body);
        Assert.That(Table.Find(1)!.Title, Has.Length.EqualTo(200));
        Assert.That(result.Json().GetProperty("notes").GetString(), Has.Length.EqualTo(10_000), "20 KB read back across packets");
    }

    [TestCase("""{ "title": "a", "priority": 1 }""", "priority", TestName = "Unknown field")]
    [TestCase("""{ "title": 5 }""", "title", TestName = "Title is a number")]
    [TestCase("""{ "title": "a", "isDone": "yes" }""", "isDone", TestName = "IsDone is a string")]
    [TestCase("""{ "title": "a", "notes": ["x"] }""", "notes", TestName = "Notes is an array")]
    [TestCase("""{ "title": "a", "dueAt": 1764579000 }""", "dueAt", TestName = "DueAt is a number")]
    [TestCase("""{ "title": "a", "dueAt": "2026-12-01T09:30:00" }""", "dueAt", TestName = "DueAt without offset")]
    [TestCase("""{ "title": "a", "dueAt": "2026-12-01" }""", "dueAt", TestName = "DueAt date only")]
    [TestCase("""{ "title": "a", "dueAt": "next tuesday" }""", "dueAt", TestName = "DueAt not a date")]
    [TestCase("""{ "title": "a", "dueAt": "2026-13-01T09:30:00Z" }""", "dueAt", TestName = "DueAt month 13")]
    [TestCase("""{ "title": "   \t  " }""", "title", TestName = "Title only whitespace")]
    [TestCase("""{ "notes": "no title" }""", "title", TestName = "Title missing")]
    [TestCase("""{ "title": null }""", "title", TestName = "Title null")]
    [TestCase("""{ "title": "a", "title": "b" }""", "title", TestName = "Title twice")]
    [TestCase("""[ { "title": "a" } ]""", "$", TestName = "Body is an array")]
    public async Task Invalid_bodies_are_400_naming_the_field_and_run_no_sql(string json, string field)
    {
        var result = await Create(Json(json));

        AssertProblem(result, 400, ProblemTypes.Validation, field);
        AssertNothingSent();
    }

    [Test]
    public async Task Several_broken_rules_are_reported_together()
    {
        var result = await Create(Json(new { title = new string('t', 201), notes = new string('n', 10_001), dueAt = "2026-12-01T09:30" }));

        AssertProblem(result, 400, ProblemTypes.Validation, "title", "notes", "dueAt");
        AssertNothingSent();
    }

    [TestCase("{ \"title\": ", TestName = "Truncated JSON")]
    [TestCase("{ title: 'a' }", TestName = "Not JSON")]
    [TestCase("", TestName = "Empty body")]
    public async Task Malformed_json_is_400_with_position_not_the_body(string json)
    {
        var result = await Create(Json(json));

        AssertProblem(result, 400, ProblemTypes.MalformedJson);
        var detail = result.Json().GetProperty("detail").GetString();
        Assert.That(detail, Does.Not.Contain("title"), "the body is not echoed");
        if (json.Length > 0)
        {
            Assert.That(detail, Does.Match(@"line \d+, byte \d+"));
        }

        AssertNothingSent();
    }

    [Test]
    public async Task Invalid_utf8_or_a_lone_surrogate_is_400_not_a_crash()
    {
        var invalidUtf8 = Bytes([.. "{ \"title\": \""u8, 0xC3, 0x28, .. "\" }"u8]);

        var badBytes = await Create(invalidUtf8);
        var loneSurrogate = await Create(Json("""{ "title": "\uD800" }"""));

        Assert.That(badBytes.Status, Is.EqualTo(400), badBytes.Body);
        Assert.That(loneSurrogate.Status, Is.EqualTo(400), loneSurrogate.Body);
        AssertNothingSent();
    }

    [TestCase(null, TestName = "No content type")]
    [TestCase("text/plain", TestName = "Text")]
    [TestCase("application/x-www-form-urlencoded", TestName = "Form")]
    [TestCase("application/json; charset=utf-16", TestName = "JSON in UTF-16")]
    public async Task Non_json_content_types_are_415(string? contentType)
    {
        var result = await Create(Json("""{ "title": "a" }""", contentType));

        AssertProblem(result, 415, ProblemTypes.UnsupportedMediaType);
        AssertNothingSent();
    }

    [TestCase("application/json; charset=utf-8")]
    [TestCase("application/json; charset=utf8")]
    [TestCase("application/json; charset=\"UTF-8\"")]
    [TestCase("application/merge-patch+json")]
    [TestCase("Application/JSON")]
    public async Task Json_media_types_are_accepted(string contentType)
    {
        var result = await Create(Json("""{ "title": "a" }""", contentType));

        Assert.That(result.Status, Is.EqualTo(201), result.Body);
    }

    [Test]
    public async Task A_leading_UTF8_byte_order_mark_is_ignored()
    {
        var result = await Create(Bytes([0xEF, 0xBB, 0xBF, .. "{ \"title\": \"with a BOM\" }"u8]));

        Assert.That(result.Status, Is.EqualTo(201), result.Body);
        Assert.That(Table.Rows().Single().Title, Is.EqualTo("with a BOM"));
    }

    [Test]
    public async Task A_body_over_64_KB_is_413_and_is_not_read_past_the_limit()
    {
        var body = new CountingEndlessStream(Encoding.UTF8.GetBytes("{ \"title\": \"a\", \"notes\": \""), (byte)'x');
        var result = await Create(new RequestBody(() => body, "application/json"));

        AssertProblem(result, 413, ProblemTypes.PayloadTooLarge);
        Assert.That(body.BytesRead, Is.EqualTo(JsonBodyReader.MaxBytes + 1), "reads one byte past the limit, no more");
        AssertNothingSent();
    }

    [Test]
    public async Task A_body_of_exactly_64_KB_is_read()
    {
        const string Head = """{ "title": "a", "notes": "" }""";
        var json = Head + new string(' ', JsonBodyReader.MaxBytes - Head.Length);
        Assert.That(Encoding.UTF8.GetByteCount(json), Is.EqualTo(JsonBodyReader.MaxBytes));

        var result = await Create(Json(json));

        Assert.That(result.Status, Is.EqualTo(201), result.Body);
    }

    [Test]
    public async Task A_transient_sql_error_becomes_a_503_problem_with_retry_after()
    {
        Peer.Server.Faults.FailNextStatement(40613, "Database 'appdb' on server 'localhost' is not currently available.", 20);

        var result = await Create(Json("""{ "title": "a" }"""));

        AssertProblem(result, 503, ProblemTypes.DatabaseUnavailable);
        Assert.That(result.Headers, Does.ContainKey("Retry-After"));
    }
}
