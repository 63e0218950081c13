using AzureSqlFunctions.Testing;
using System.Text.Json;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Todos;

namespace AzureSqlFunctions.Tests.Todos;

internal sealed class TodoReadTests : TodoApiFixture
{
    [Test]
    public async Task Get_answers_200_with_the_item_and_its_etag()
    {
        Table.Add("first");
        var second = Table.Add("second", isDone: true);

        var result = await Get("2");

        Assert.That(result.Status, Is.EqualTo(200), result.Body);
        Assert.That(result.Headers["ETag"], Is.EqualTo("\"" + Convert.ToBase64String(second.RowVersion) + "\""));
        var body = result.Json();
        Assert.That(body.GetProperty("title").GetString(), Is.EqualTo("second"));
        Assert.That(body.GetProperty("isDone").GetBoolean(), Is.True);
        Assert.That(body.GetProperty("dueAt").ValueKind, Is.EqualTo(JsonValueKind.Null));
        var select = Sent(TodoSql.GetById).Single();
        Assert.That(Parameter(select, "@Id").Value, Is.EqualTo(2L));
        Assert.That(Parameter(select, "@Id").SqlType, Is.EqualTo("bigint"));
    }

    [Test]
    public async Task Get_of_an_unknown_todo_is_404()
    {
        var result = await Get("42");

        AssertProblem(result, 404, ProblemTypes.NotFound);
        Assert.That(Sent(TodoSql.GetById), Has.Count.EqualTo(1));
    }

    [Test]
    public async Task Get_of_a_soft_deleted_todo_is_404()
    {
        Table.Add("gone", deletedAt: Table.Now);

        AssertProblem(await Get("1"), 404, ProblemTypes.NotFound);
    }

    [TestCase("abc")]
    [TestCase("-1")]
    [TestCase("0")]
    [TestCase("+1")]
    [TestCase(" 1")]
    [TestCase("1.0")]
    [TestCase("1e3")]
    [TestCase("9223372036854775808")]
    [TestCase("99999999999999999999999")]
    public async Task Invalid_ids_are_400_and_run_no_sql(string id)
    {
        AssertProblem(await Get(id), 400, ProblemTypes.Validation, "id");
        AssertProblem(await Delete(id), 400, ProblemTypes.Validation, "id");
        AssertNothingSent();
    }

    [Test]
    public async Task The_largest_id_is_accepted()
    {
        AssertProblem(await Get("9223372036854775807"), 404, ProblemTypes.NotFound);
        Assert.That(Parameter(Sent(TodoSql.GetById).Single(), "@Id").Value, Is.EqualTo(long.MaxValue));
    }

    [Test]
    public async Task List_pages_through_live_todos_in_id_order_with_continuation()
    {
        for (var i = 1; i <= 6; i++)
        {
            Table.Add($"todo {i}", deletedAt: i == 3 ? Table.Now : null);
        }

        var first = await List(limit: "2");
        var second = await List(limit: "2", after: Next(first));
        var last = await List(limit: "2", after: Next(second));

        Assert.That(Ids(first), Is.EqualTo(new[] { 1L, 2L }));
        Assert.That(Ids(second), Is.EqualTo(new[] { 4L, 5L }), "the soft-deleted todo 3 is skipped");
        Assert.That(Ids(last), Is.EqualTo(new[] { 6L }));
        Assert.That(Next(last), Is.Null, "the extra row fetched tells that nothing follows");

        var selects = Sent(TodoSql.List);
        Assert.That(selects.Select(s => Parameter(s, "@Limit").Value), Is.All.EqualTo(3), "one row more than the page");
        Assert.That(selects.Select(s => Parameter(s, "@After").Value), Is.EqualTo(new object[] { 0L, 2L, 5L }));
        Assert.That(selects.SelectMany(s => s.Parameters).Select(p => p.Name), Has.None.EqualTo("@Done"), "the unfiltered statement has no filter parameter");
        Assert.That(Sent(TodoSql.ListByDone), Is.Empty);
    }

    [Test]
    public async Task List_ends_with_null_next_when_the_page_is_not_full()
    {
        Table.Add("a");
        Table.Add("b");
        Table.Add("c");

        var page = await List(limit: "3");

        Assert.That(Ids(page), Is.EqualTo(new[] { 1L, 2L, 3L }));
        Assert.That(Next(page), Is.Null);
    }

    [Test]
    public async Task List_defaults_to_20_and_filters_by_done()
    {
        for (var i = 1; i <= 25; i++)
        {
            Table.Add($"todo {i}", isDone: i % 2 == 0);
        }

        var all = await List();
        var done = await List(done: "true");
        var open = await List(done: "False");

        Assert.That(Ids(all), Has.Count.EqualTo(20));
        Assert.That(Ids(done), Is.EqualTo(Enumerable.Range(1, 12).Select(i => (long)i * 2)));
        Assert.That(Ids(open), Has.Count.EqualTo(13).And.All.Matches<long>(id => id % 2 == 1));
        // Two statements, so each shape gets its own plan: a filtered list can seek on IX_Todos_Live_IsDone_Id.
        var unfiltered = Sent(TodoSql.List).Single();
        var filtered = Sent(TodoSql.ListByDone);
        Assert.That(Parameter(unfiltered, "@Limit").Value, Is.EqualTo(21));
        Assert.That(Parameter(unfiltered, "@Limit").SqlType, Is.EqualTo("int"));
        Assert.That(Parameter(unfiltered, "@After").SqlType, Is.EqualTo("bigint"));
        Assert.That(filtered, Has.Count.EqualTo(2));
        Assert.That(Parameter(filtered[0], "@Done").Value, Is.EqualTo(true));
        Assert.That(Parameter(filtered[0], "@Done").SqlType, Is.EqualTo("bit"));
        Assert.That(Parameter(filtered[1], "@Done").Value, Is.EqualTo(false));
        Assert.That(TodoSql.List + TodoSql.ListByDone, Does.Not.Contain("IS NULL OR"), "no catch-all predicate");
    }

    [TestCase("1")]
    [TestCase("100")]
    public async Task List_accepts_limits_at_the_bounds(string limit)
    {
        var result = await List(limit: limit);

        Assert.That(result.Status, Is.EqualTo(200), result.Body);
        Assert.That(Parameter(Sent(TodoSql.List).Single(), "@Limit").Value, Is.EqualTo(int.Parse(limit, System.Globalization.CultureInfo.InvariantCulture) + 1));
    }

    [TestCase(null, "0", null, "limit")]
    [TestCase(null, "101", null, "limit")]
    [TestCase(null, "-5", null, "limit")]
    [TestCase(null, "ten", null, "limit")]
    [TestCase(null, "99999999999", null, "limit")]
    [TestCase("yes", null, null, "done")]
    [TestCase("1", null, null, "done")]
    [TestCase(null, null, "!!!", "after")]
    [TestCase(null, null, "AAAA", "after")]
    [TestCase(null, null, "AAAAAAAAAAA", "after")]
    [TestCase(null, null, "42", "after")]
    public async Task List_rejects_bad_parameters_naming_them(string? done, string? limit, string? after, string field)
    {
        AssertProblem(await List(done, limit, after), 400, ProblemTypes.Validation, field);
        AssertNothingSent();
    }

    [Test]
    public async Task List_reports_every_bad_parameter_at_once()
    {
        AssertProblem(await List("maybe", "0", "%%"), 400, ProblemTypes.Validation, "done", "limit", "after");
        AssertNothingSent();
    }

    private static List<long> Ids(HttpAnswer page) =>
        [.. page.Json().GetProperty("items").EnumerateArray().Select(item => item.GetProperty("id").GetInt64())];

    private static string? Next(HttpAnswer page) => page.Json().GetProperty("next").GetString();
}
