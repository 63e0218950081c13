using System.Text.Json;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Tests.Todos;
using AzureSqlFunctions.Todos;
using AzureSqlFunctions.Testing;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>
/// Every endpoint against bad input, table-driven: malformed JSON, wrong types, missing and unknown fields, huge
/// strings and bodies, invalid ids and headers, SQL-injection and unicode text. A rejected request gets a defined 4xx
/// problem that names what is wrong without echoing the input, and the database sees no statement at all.
/// Input that is valid however hostile it looks is stored verbatim, as parameters.
/// </summary>
internal sealed class BadInputTests : TodoApiFixture
{
    private const string Injection = "'; DROP TABLE dbo.Todos; --";
    private static readonly string Huge = "huge-" + new string('x', 60_000); // 60 KB: under the body limit

    [TestCaseSource(nameof(Rejected))]
    public async Task Rejected_input_is_a_4xx_problem_that_names_the_fault_and_runs_no_sql(BadRequest request)
    {
        var result = await Send(request);

        AssertProblem(result, request.Status, request.Type, request.Fields);
        var json = result.Body;
        var body = result.Json();
        Assert.That(body.GetProperty("detail").GetString(), Is.Not.Empty, "detail says what is wrong");
        if (request.Fields.Length == 0)
        {
            Assert.That(body.TryGetProperty("errors", out _), Is.False);
        }

        Assert.That(json, Has.Length.LessThan(2_000), "a short answer: nothing of the input is echoed back");
        if (request.MustNotEcho is { } echo)
        {
            Assert.That(json, Does.Not.Contain(echo[..Math.Min(echo.Length, 64)]));
        }

        AssertNothingSent();
    }

    [TestCaseSource(nameof(Hostile))]
    public async Task Hostile_but_valid_text_is_stored_verbatim_as_parameters(string title, string notes)
    {
        var created = await Create(Json(new { title, notes }));
        var replaced = await Replace("1", created.Headers["ETag"], Json(new { title, notes = notes + notes }));

        Assert.That(created.Status, Is.EqualTo(201), created.Body);
        Assert.That(replaced.Status, Is.EqualTo(200), replaced.Body);
        Assert.That(Table.Find(1)!.Title, Is.EqualTo(title.Trim()));
        Assert.That(Table.Find(1)!.Notes, Is.EqualTo(notes + notes));
        Assert.That(Peer.Server.Statements.Where(s => !s.IsSessionContextCall).Select(s => s.Text), Is.EqualTo(new[] { TodoSql.Insert, TodoSql.Replace }), "the text never changes");
        Assert.That(Parameter(Sent(TodoSql.Insert).Single(), "@Title").Value, Is.EqualTo(title.Trim()));
        Assert.That(Parameter(Sent(TodoSql.Replace).Single(), "@Notes").Value, Is.EqualTo(notes + notes));
    }

    private static IEnumerable<TestCaseData> Hostile() =>
        new (string Name, string Title, string Notes)[]
        {
            ("SQL injection", Injection, "1' OR '1'='1"),
            ("Batch terminator and comment", "GO\r\n/* x */ SELECT 1", "]; EXEC xp_cmdshell 'dir'; --"),
            ("Emoji", "🦄 unicorn 👩‍👩‍👧", "🎉"),
            ("Right to left", "\u202Eevil\u202C שלום مرحبا", "\u200F\u200E"),
            ("NUL inside", "before\0after", "\0"),
        }.Select(c => new TestCaseData(c.Title, c.Notes).SetName("Hostile valid text: " + c.Name));

    private static IEnumerable<TestCaseData> Rejected() => Cases().Select(c => new TestCaseData(c).SetName(c.Method + ": " + c.Name));

    private static IEnumerable<BadRequest> Cases()
    {
        const string V = ProblemTypes.Validation;
        const string M = ProblemTypes.MalformedJson;

        // GET /api/todos query parameters.
        foreach (var (name, done) in new[] { ("done=yes", "yes"), ("done=1", "1"), ("done empty", ""), ("done injection", "true' OR 1=1 --"), ("done with NUL", "tr\0ue"), ("done huge", Huge) })
        {
            yield return new BadRequest(name, "LIST", 400, V, ["done"], Query: new ListQuery(done, null, null), MustNotEcho: done.Length > 100 ? done : null);
        }

        foreach (var (name, limit) in new[]
        {
            ("limit=0", "0"), ("limit=101", "101"), ("limit negative", "-1"), ("limit signed", "+5"), ("limit exponent", "1e2"),
            ("limit words", "ten"), ("limit overflow", "99999999999999999999"), ("limit Arabic-Indic digits", "٢٠"),
            ("limit fullwidth digits", "２０"), ("limit leading space", " 5"), ("limit trailing space", "5 "), ("limit empty", ""),
            ("limit hex", "0x10"), ("limit injection", "5; DROP TABLE dbo.Todos"), ("limit huge", new string('9', 50_000)),
            ("limit with NUL", "5\0"),
        })
        {
            yield return new BadRequest(name, "LIST", 400, V, ["limit"], Query: new ListQuery(null, limit, null), MustNotEcho: limit.Length > 100 ? limit : null);
        }

        foreach (var (name, after) in new[] { ("after not base64", "!!!"), ("after digits", "42"), ("after short", "AAAA"), ("after injection", "' OR 1=1 --"), ("after emoji", "🦄"), ("after huge", new string('A', 50_000)) })
        {
            yield return new BadRequest(name, "LIST", 400, V, ["after"], Query: new ListQuery(null, null, after), MustNotEcho: after.Length > 100 ? after : null);
        }

        yield return new BadRequest("every parameter bad", "LIST", 400, V, ["done", "limit", "after"], Query: new ListQuery("maybe", "0", "%%"));

        // {id} of GET, PUT and DELETE.
        var ids = new (string Name, string? Id)[]
        {
            ("id letters", "abc"), ("id negative", "-1"), ("id zero", "0"), ("id signed", "+1"), ("id leading space", " 1"),
            ("id trailing space", "1 "), ("id whitespace only", " \t"), ("id decimal", "1.0"), ("id exponent", "1e3"),
            ("id long.MaxValue + 1", "9223372036854775808"), ("id overflow", "99999999999999999999999"),
            ("id Arabic-Indic digits", "١٢"), ("id fullwidth digits", "１２"), ("id Devanagari digits", "१२"), ("id injection", "1 OR 1=1"),
            ("id batch injection", "1; DROP TABLE dbo.Todos"), ("id hex", "0x1F"), ("id emoji", "😀"),
            ("id huge", new string('9', 50_000)),
        };
        foreach (var method in new[] { "GET", "PUT", "DELETE" })
        {
            foreach (var (name, id) in ids)
            {
                yield return new BadRequest(name, method, 400, V, ["id"], Id: id, MustNotEcho: id?.Length > 100 ? id : null);
            }
        }

        // If-Match of PUT.
        yield return new BadRequest("If-Match missing", "PUT", 428, ProblemTypes.PreconditionRequired, [], IfMatch: null);
        yield return new BadRequest("If-Match empty", "PUT", 428, ProblemTypes.PreconditionRequired, [], IfMatch: "");
        yield return new BadRequest("If-Match whitespace", "PUT", 428, ProblemTypes.PreconditionRequired, [], IfMatch: " \t ");
        foreach (var (name, ifMatch) in new[]
        {
            ("If-Match unquoted", "AAAAAAAAB9E="), ("If-Match star", "*"), ("If-Match weak", "W/\"AAAAAAAAB9E=\""), ("If-Match list", "\"AAAAAAAAB9E=\", \"AAAAAAAAB9F=\""),
            ("If-Match too short", "\"AAAA\""), ("If-Match too long", "\"AAAAAAAAAAAAAAAAAAAA\""), ("If-Match injection", "\"' OR 1=1 --\""),
            ("If-Match emoji", "\"🦄\""), ("If-Match with NUL", "\"AAAAAAAAB9E=\0\""), ("If-Match huge", "\"" + new string('A', 50_000) + "\""),
        })
        {
            yield return new BadRequest(name, "PUT", 400, V, ["If-Match"], IfMatch: ifMatch, MustNotEcho: ifMatch.Length > 100 ? ifMatch : null);
        }

        // Bodies of POST and PUT.
        foreach (var method in new[] { "POST", "PUT" })
        {
            foreach (var body in Bodies())
            {
                yield return body with { Method = method };
            }
        }

        // Idempotency-Key of POST (checked before the body).
        foreach (var (name, key) in new[]
        {
            ("Idempotency-Key empty quotes", "\"\""), ("Idempotency-Key with a space", "\"a b\""),
            ("Idempotency-Key 101 characters", new string('k', 101)), ("Idempotency-Key non-ASCII", "\"clé\""),
            ("Idempotency-Key escaped quote", "\"a\\\"b\""), ("Idempotency-Key list", "a, b"), ("Idempotency-Key control character", "a\u0001b"),
            ("Idempotency-Key huge", new string('k', 50_000)),
        })
        {
            yield return new BadRequest(name, "POST", 400, V, ["Idempotency-Key"], IdempotencyKey: key, Body: "{", MustNotEcho: key.Length > 100 ? key : null);
        }

        yield return new BadRequest("id checked before If-Match and body", "PUT", 400, V, ["id"], Id: "x", IfMatch: "*", Body: "{");
        yield return new BadRequest("If-Match checked before body", "PUT", 400, V, ["If-Match"], IfMatch: "*", Body: "{");

        static IEnumerable<BadRequest> Bodies()
        {
            yield return new BadRequest("empty body", "", 400, M, [], Body: "");
            yield return new BadRequest("truncated JSON", "", 400, M, [], Body: """{ "title": """);
            yield return new BadRequest("single quotes", "", 400, M, [], Body: "{ title: 'a' }");
            yield return new BadRequest("trailing comma", "", 400, M, [], Body: """{ "title": "a", }""");
            yield return new BadRequest("trailing garbage", "", 400, M, [], Body: """{ "title": "a" } x""");
            yield return new BadRequest("comment", "", 400, M, [], Body: """{ "title": "a" /* hi */ }""");
            yield return new BadRequest("malformed with a huge string", "", 400, M, [], Body: "{ \"title\": \"" + Huge, MustNotEcho: Huge);
            yield return new BadRequest("null", "", 400, V, ["$"], Body: "null");
            yield return new BadRequest("array", "", 400, V, ["$"], Body: """[ { "title": "a" } ]""");
            yield return new BadRequest("string", "", 400, V, ["$"], Body: "\"a\"");
            yield return new BadRequest("number", "", 400, V, ["$"], Body: "42");
            yield return new BadRequest("empty object", "", 400, V, ["title"], Body: "{}");
            yield return new BadRequest("title missing", "", 400, V, ["title"], Body: """{ "notes": "n" }""");
            yield return new BadRequest("title null", "", 400, V, ["title"], Body: """{ "title": null }""");
            yield return new BadRequest("title empty", "", 400, V, ["title"], Body: """{ "title": "" }""");
            yield return new BadRequest("title whitespace", "", 400, V, ["title"], Body: """{ "title": " \t\r\n " }""");
            yield return new BadRequest("title number", "", 400, V, ["title"], Body: """{ "title": 5 }""");
            yield return new BadRequest("title boolean", "", 400, V, ["title"], Body: """{ "title": true }""");
            yield return new BadRequest("title object", "", 400, V, ["title"], Body: """{ "title": { "text": "a" } }""");
            yield return new BadRequest("title array", "", 400, V, ["title"], Body: """{ "title": ["a"] }""");
            yield return new BadRequest("title twice", "", 400, V, ["title"], Body: """{ "title": "a", "title": "b" }""");
            yield return new BadRequest("title 201 characters", "", 400, V, ["title"], Body: Serialize(new { title = new string('t', 201) }));
            yield return new BadRequest("title 101 emoji (202 UTF-16 units)", "", 400, V, ["title"], Body: Serialize(new { title = string.Concat(Enumerable.Repeat("😀", 101)) }));
            yield return new BadRequest("title huge", "", 400, V, ["title"], Body: Serialize(new { title = Huge }), MustNotEcho: Huge);
            yield return new BadRequest("title lone surrogate", "", 400, V, ["title"], Body: """{ "title": "\uD800" }""");
            yield return new BadRequest("notes number", "", 400, V, ["notes"], Body: """{ "title": "a", "notes": 5 }""");
            yield return new BadRequest("notes object", "", 400, V, ["notes"], Body: """{ "title": "a", "notes": {} }""");
            yield return new BadRequest("notes 10 001 characters", "", 400, V, ["notes"], Body: Serialize(new { title = "a", notes = new string('n', 10_001) }));
            yield return new BadRequest("notes huge", "", 400, V, ["notes"], Body: Serialize(new { title = "a", notes = Huge }), MustNotEcho: Huge);
            yield return new BadRequest("dueAt number", "", 400, V, ["dueAt"], Body: """{ "title": "a", "dueAt": 1764579000 }""");
            yield return new BadRequest("dueAt boolean", "", 400, V, ["dueAt"], Body: """{ "title": "a", "dueAt": true }""");
            yield return new BadRequest("dueAt without offset", "", 400, V, ["dueAt"], Body: """{ "title": "a", "dueAt": "2026-12-01T09:30:00" }""");
            yield return new BadRequest("dueAt date only", "", 400, V, ["dueAt"], Body: """{ "title": "a", "dueAt": "2026-12-01" }""");
            yield return new BadRequest("dueAt February 30", "", 400, V, ["dueAt"], Body: """{ "title": "a", "dueAt": "2026-02-30T09:30:00Z" }""");
            yield return new BadRequest("dueAt 8 fraction digits", "", 400, V, ["dueAt"], Body: """{ "title": "a", "dueAt": "2026-12-01T09:30:00.123456789Z" }""");
            yield return new BadRequest("dueAt injection", "", 400, V, ["dueAt"], Body: Serialize(new { title = "a", dueAt = Injection }));
            yield return new BadRequest("dueAt huge", "", 400, V, ["dueAt"], Body: Serialize(new { title = "a", dueAt = Huge }), MustNotEcho: Huge);
            yield return new BadRequest("isDone string", "", 400, V, ["isDone"], Body: """{ "title": "a", "isDone": "yes" }""");
            yield return new BadRequest("isDone number", "", 400, V, ["isDone"], Body: """{ "title": "a", "isDone": 1 }""");
            yield return new BadRequest("unknown field id", "", 400, V, ["id"], Body: """{ "title": "a", "id": 5 }""");
            yield return new BadRequest("unknown field createdAt", "", 400, V, ["createdAt"], Body: """{ "title": "a", "createdAt": "2026-01-01T00:00:00Z" }""");
            yield return new BadRequest("unknown field __proto__", "", 400, V, ["__proto__"], Body: """{ "title": "a", "__proto__": {} }""");
            yield return new BadRequest("several fields bad", "", 400, V, ["title", "notes", "dueAt"], Body: Serialize(new { title = "", notes = new string('n', 10_001), dueAt = "soon" }));
            yield return new BadRequest("1 MB body", "", 413, ProblemTypes.PayloadTooLarge, [], Body: Serialize(new { title = "a", notes = new string('n', 1_048_576) }));
            yield return new BadRequest("no content type", "", 415, ProblemTypes.UnsupportedMediaType, [], ContentType: null);
            yield return new BadRequest("text/plain", "", 415, ProblemTypes.UnsupportedMediaType, [], ContentType: "text/plain");
            yield return new BadRequest("application/xml", "", 415, ProblemTypes.UnsupportedMediaType, [], ContentType: "application/xml");
            yield return new BadRequest("form", "", 415, ProblemTypes.UnsupportedMediaType, [], ContentType: "application/x-www-form-urlencoded");
            yield return new BadRequest("JSON in UTF-16", "", 415, ProblemTypes.UnsupportedMediaType, [], ContentType: "application/json; charset=utf-16");
            yield return new BadRequest("JSON in Latin-1", "", 415, ProblemTypes.UnsupportedMediaType, [], ContentType: "application/json; charset=iso-8859-1");
            yield return new BadRequest("invalid UTF-8 in a field name", "", 400, M, [], BodyBytes: [.. "{ \"title\": \"a\", \""u8, 0xC3, 0x28, .. "\": 1 }"u8]);
            yield return new BadRequest("invalid UTF-8 in a nested field name", "", 400, M, [], BodyBytes: [.. "{ \"title\": \"a\", \"notes\": { \""u8, 0xFF, .. "\": 1 } }"u8]);
            yield return new BadRequest("lone surrogate in a field name", "", 400, M, [], Body: """{ "title": "a", "\uD800": 1 }""");
            yield return new BadRequest("lone low surrogate in a field name", "", 400, M, [], Body: """{ "\uDC00x": 1, "title": "a" }""");
            yield return new BadRequest("invalid UTF-8 in a value", "", 400, V, ["title"], BodyBytes: [.. "{ \"title\": \""u8, 0xC3, 0x28, .. "\" }"u8]);
            yield return new BadRequest("64 KB of unknown fields", "", 400, V, [.. ManyUnknownFields.Take(10), "$"], Body: ManyUnknownFieldsBody);
            yield return new BadRequest("a 60 KB unknown field name", "", 400, V, [HugeName[..64] + "…"], Body: "{ \"title\": \"a\", \"" + HugeName + "\": 1 }");
        }
    }

    private static readonly string HugeName = "name-" + new string('n', 60_000);

    private static readonly string[] ManyUnknownFields = [.. Enumerable.Range(0, 5_000).Select(i => $"f{i:D5}")];

    /// <summary>About 60 KB: thousands of unknown fields, under the body limit.</summary>
    private static readonly string ManyUnknownFieldsBody = "{ \"title\": \"a\", " + string.Join(", ", ManyUnknownFields.Select(f => $"\"{f}\": 0")) + " }";

    private static string Serialize(object body) => JsonSerializer.Serialize(body);

    // Not in the table, because no request reaches the app with them: an empty or missing {id} (no route matches
    // /api/todos/ for PUT or DELETE, and GET /api/todos/ is the list) and a NUL in the path (ASP.NET Core refuses a
    // path with null characters before any function runs; the ids' digit check still refuses "1\0").
    private Task<HttpAnswer> Send(BadRequest request)
    {
        var body = request.BodyBytes is { } bytes ? Bytes(bytes, request.ContentType) : Json(request.Body, request.ContentType);
        return request.Method switch
        {
            "LIST" => List(request.Query!.Done, request.Query.Limit, request.Query.After),
            "GET" => Get(request.Id!),
            "POST" when request.IdempotencyKey is { } key => App.SendAsync(new TestRequest("POST", "/api/todos").WithHeader("Idempotency-Key", key).WithBody(body.Open(), body.ContentType)),
            "POST" => Create(body),
            "PUT" => Replace(request.Id!, request.IfMatch, body),
            "DELETE" => Delete(request.Id!),
            _ => throw new ArgumentOutOfRangeException(nameof(request), request.Method, null),
        };
    }
}
