using AzureSqlFunctions.Http;
using AzureSqlFunctions.Todos;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Tests.Todos;

internal sealed class TodoReplaceDeleteTests : TodoApiFixture
{
    private const string Body = """{ "title": " Renamed ", "notes": "new notes", "dueAt": "2027-01-02T03:04:05.123-05:00", "isDone": true }""";

    [Test]
    public async Task Replace_at_the_current_etag_answers_200_with_the_new_etag()
    {
        var todo = Table.Add("original");
        var etag = ETagOf(todo);

        var result = await Replace("1", etag, Json(Body));

        Assert.That(result.Status, Is.EqualTo(200), result.Body);
        var stored = Table.Find(1)!;
        Assert.That(stored.Title, Is.EqualTo("Renamed"));
        Assert.That(stored.DueAt, Is.EqualTo(new DateTimeOffset(2027, 1, 2, 3, 4, 5, 123, TimeSpan.FromHours(-5))));
        Assert.That(result.Headers["ETag"], Is.EqualTo(ETagOf(stored)).And.Not.EqualTo(etag));
        Assert.That(result.Json().GetProperty("etag").GetString(), Is.EqualTo(result.Headers["ETag"]));

        var update = Sent(TodoSql.Replace).Single();
        Assert.That(Parameter(update, "@RowVersion").Value, Is.EqualTo(Convert.FromBase64String(etag.Trim('"'))));
        Assert.That(Parameter(update, "@RowVersion").SqlType, Does.Contain("binary(8)"));
        Assert.That(update.TransactionDescriptor, Is.Not.Null, "runs in the invocation's unit of work");
        Assert.That(Peer.Server.Counters.TransactionsCommitted, Is.EqualTo(1));
        Assert.That(Sent(TodoSql.CountLive), Is.Empty, "no follow-up when the update matched");
    }

    [Test]
    public async Task Replace_is_a_full_replacement_omitted_fields_are_cleared()
    {
        var todo = Table.Add("original");
        Assert.That((await Replace("1", ETagOf(todo), Json(Body))).Status, Is.EqualTo(200));

        var result = await Replace("1", ETagOf(Table.Find(1)!), Json("""{ "title": "only a title" }"""));

        Assert.That(result.Status, Is.EqualTo(200), result.Body);
        var stored = Table.Find(1)!;
        Assert.That((stored.Title, stored.Notes, stored.DueAt, stored.IsDone), Is.EqualTo(("only a title", (string?)null, (DateTimeOffset?)null, false)));
    }

    [Test]
    public async Task Replace_without_if_match_is_428_and_runs_no_sql()
    {
        Table.Add("original");

        AssertProblem(await Replace("1", null, Json(Body)), 428, ProblemTypes.PreconditionRequired);
        AssertProblem(await Replace("1", "  ", Json(Body)), 428, ProblemTypes.PreconditionRequired);
        AssertNothingSent();
    }

    [TestCase("abc")]
    [TestCase("*")]
    [TestCase("W/\"AAAAAAAAB9A=\"")]
    [TestCase("\"AAAA\"")]
    [TestCase("\"AAAAAAAAB9A=\", \"AAAAAAAAB9E=\"")]
    public async Task Replace_with_an_unusable_if_match_is_400_naming_it(string ifMatch)
    {
        Table.Add("original");

        AssertProblem(await Replace("1", ifMatch, Json(Body)), 400, ProblemTypes.Validation, "If-Match");
        AssertNothingSent();
    }

    [Test]
    public async Task Replace_with_a_stale_etag_is_412_decided_in_one_transaction_that_changes_nothing()
    {
        var todo = Table.Add("original");
        var stale = ETagOf(todo);
        Assert.That((await Replace("1", stale, Json(Body))).Status, Is.EqualTo(200));
        Peer.Server.ResetCounters();

        var result = await Replace("1", stale, Json("""{ "title": "lost update" }"""));

        AssertProblem(result, 412, ProblemTypes.PreconditionFailed);
        Assert.That(Table.Find(1)!.Title, Is.EqualTo("Renamed"));
        AssertDecidedInOneTransaction();
    }

    [Test]
    public async Task Replace_of_an_unknown_or_deleted_todo_is_404()
    {
        var deleted = Table.Add("gone", deletedAt: Table.Now);

        AssertProblem(await Replace("7", ETagOf(deleted), Json(Body)), 404, ProblemTypes.NotFound);
        AssertDecidedInOneTransaction();
        Peer.Server.ResetCounters();

        AssertProblem(await Replace("1", ETagOf(deleted), Json(Body)), 404, ProblemTypes.NotFound);
        AssertDecidedInOneTransaction();
    }

    [Test]
    public async Task Replace_with_an_invalid_body_is_400_and_runs_no_sql()
    {
        var todo = Table.Add("original");

        AssertProblem(await Replace("1", ETagOf(todo), Json("""{ "title": "" , "extra": 1 }""")), 400, ProblemTypes.Validation, "extra");
        AssertProblem(await Replace("1", ETagOf(todo), Json("""{ "title": "", "dueAt": "2027-01-02T03:04:05" }""")), 400, ProblemTypes.Validation, "title", "dueAt");
        AssertProblem(await Replace("1", ETagOf(todo), Json("""{ "title": "x" }""", "text/json-ish")), 415, ProblemTypes.UnsupportedMediaType);
        AssertNothingSent();
    }

    [Test]
    public async Task A_failure_after_the_update_answers_500_and_rolls_the_unit_of_work_back()
    {
        Table.Add("original");
        // When the (missing) update arrives, arm a non-transient error for the statement after it: the follow-up.
        Table.BeforeAnswer = request =>
        {
            if (request.Text == TodoSql.Replace)
            {
                Peer.Server.Faults.FailNextStatement(8152, "String or binary data would be truncated.");
            }
        };
        var stale = "\"" + Convert.ToBase64String(new byte[8]) + "\"";

        var failure = await Replace("1", stale, Json(Body));

        AssertProblem(failure, 500, ProblemTypes.InternalError); // not an availability failure: not a 503
        Assert.That(App.Logs.GetSnapshot().Select(r => r.Exception), Has.Some.Matches<Exception?>(e => e is SqlException { Number: 8152 }), "logged with its cause");
        Assert.That(Sent(TodoSql.CountLive).Single().TransactionDescriptor, Is.Not.Null);
        Assert.That(Peer.Server.Counters.TransactionsCommitted, Is.EqualTo(0));
        Assert.That(Peer.Server.Counters.TransactionsRolledBack, Is.EqualTo(1));
    }

    [Test]
    public async Task Delete_is_soft_then_404_the_second_time()
    {
        Table.Add("doomed");

        var first = await Delete("1");
        var second = await Delete("1");

        Assert.That(first.Status, Is.EqualTo(204));
        Assert.That(first.Body, Is.Empty);
        AssertProblem(second, 404, ProblemTypes.NotFound);
        Assert.That(Table.Find(1)!.DeletedAt, Is.Not.Null, "the row stays for the purge job");
        AssertProblem(await Get("1"), 404, ProblemTypes.NotFound);
        var deletes = Sent(TodoSql.SoftDelete);
        Assert.That(deletes, Has.Count.EqualTo(2));
        Assert.That(deletes.Select(d => Parameter(d, "@Id").Value), Is.All.EqualTo(1L));
    }

    private void AssertDecidedInOneTransaction()
    {
        var update = Sent(TodoSql.Replace).Single();
        var count = Sent(TodoSql.CountLive).Single();
        Assert.That(update.TransactionDescriptor, Is.Not.Null);
        Assert.That(count.TransactionDescriptor, Is.EqualTo(update.TransactionDescriptor), "one transaction");
        Assert.That(Peer.Server.Counters.TransactionsCommitted, Is.EqualTo(1));
    }

    private static string ETagOf(StoredTodo todo) => "\"" + Convert.ToBase64String(todo.RowVersion) + "\"";
}
