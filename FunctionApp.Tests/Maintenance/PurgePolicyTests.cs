using System.Data;
using AzureSqlFunctions.Http;
using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Testing;
using AzureSqlFunctions.TestPeers.Identity;
using Dapper;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace AzureSqlFunctions.Tests.Maintenance;

/// <summary>
/// What the purge may remove, with rows of two owners (live, soft-deleted inside the retention, soft-deleted past it)
/// and Idempotency-Key records on both sides of their 24 hours: only the soft-deleted todos and the records past their
/// cutoffs go, of every owner — held by the statements' own conditions and by the policy under the purge's session
/// context, each alone; with neither, the same run would delete live todos. An owner's session may not hard-delete at
/// all, not even its own old soft-deleted todos.
/// </summary>
internal sealed class PurgePolicyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 3, 0, 0, TimeSpan.Zero);

    private readonly DeletedTodos _table = new();
    private readonly TestPrincipal _alice = TestPrincipal.Create("alice@contoso.com");
    private readonly TestPrincipal _bob = TestPrincipal.Create("bob@contoso.com");
    private AppPeers _peers = null!;

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Structure", "NUnit1032", Justification = "The peers dispose every app they made.")]
    private AppUnderTest _app = null!;

    public enum Layers
    {
        Both,
        StatementFilterOnly,
        PolicyOnly,
    }

    private string Alice => _app.SignIn.OwnerIdOf(_alice);

    private string Bob => _app.SignIn.OwnerIdOf(_bob);

    [OneTimeSetUp]
    public void Start()
    {
        _peers = AppPeers.Start();
        _table.ServeOn(_peers.Server);
        _app = _peers.App(_peers.IssuingCredential(), time: new FakeTimeProvider(Now), settings: ("Sql__OpenRetries", "0"));
    }

    [OneTimeTearDown]
    public async Task Stop() => await _peers.DisposeAsync();

    [SetUp]
    public void Seed()
    {
        _table.Reset();
        _peers.Server.ResetCounters();
        _table.Add(2, null, Alice);
        _table.Add(2, Now.AddDays(-10), Alice);
        _table.Add(3, Now.AddDays(-40), Alice);
        _table.Add(1, null, Bob);
        _table.Add(4, Now.AddDays(-40), Bob);
        _table.Add(1, Now.AddDays(-1), Bob);
        _table.ExpiredKeys!.Add(2, Now.AddHours(-25), Alice);
        _table.ExpiredKeys.Add(1, Now.AddHours(-23), Alice);
        _table.ExpiredKeys.Add(1, Now.AddHours(-30), Bob);
        _table.ExpiredKeys.Add(1, Now.AddHours(-1), Bob);
    }

    [TestCase(Layers.Both)]
    [TestCase(Layers.StatementFilterOnly)]
    [TestCase(Layers.PolicyOnly)]
    public async Task The_purge_removes_only_soft_deleted_todos_and_key_records_past_their_cutoffs_of_every_owner(Layers layers)
    {
        foreach (var table in new[] { _table, _table.ExpiredKeys! })
        {
            table.AppliesStatementFilter = layers != Layers.PolicyOnly;
            table.EnforcesPolicy = layers != Layers.StatementFilterOnly;
        }

        await _app.InvokeTimerAsync("PurgeDeletedTodos");

        Assert.Multiple(() =>
        {
            Assert.That(_table.Rows, Is.EquivalentTo(new (string, DateTimeOffset?)[]
            {
                (Alice, null), (Alice, null), (Alice, Now.AddDays(-10)), (Alice, Now.AddDays(-10)), (Bob, null), (Bob, Now.AddDays(-1)),
            }), "live todos and those inside the 30-day retention stay");
            Assert.That(_table.ExpiredKeys!.Rows, Is.EquivalentTo(new (string, DateTimeOffset?)[] { (Alice, Now.AddHours(-23)), (Bob, Now.AddHours(-1)) }));
        });
    }

    [Test]
    public async Task With_neither_protection_the_same_run_would_delete_live_todos_too()
    {
        // The negative control: what the test above shows is the protections' doing.
        _table.AppliesStatementFilter = false;
        _table.EnforcesPolicy = false;

        await _app.InvokeTimerAsync("PurgeDeletedTodos");

        Assert.That(_table.Count, Is.Zero);
    }

    [Test]
    public async Task An_owners_session_cannot_hard_delete_not_even_its_own_old_soft_deleted_todos()
    {
        var answer = await _app.RunHttpAsync(
            TestRequest.Get("/api/test").WithHeader("Authorization", "Bearer " + _app.SignIn.UserToken(_alice)),
            async context =>
            {
                var sql = context.GetInvocationConnection();
                var connection = await sql.GetOpenConnectionAsync();
                var parameters = new DynamicParameters();
                parameters.Add("@Batch", 1000, DbType.Int32);
                parameters.Add("@Cutoff", Now, DbType.DateTimeOffset);
                await connection.ExecuteAsync(PurgeSql.DeleteBatch, parameters);
                return (IResult?)null;
            });

        Assert.That(answer.Status, Is.EqualTo(500), answer.Body);
        Assert.That(answer.Json().GetProperty("type").GetString(), Is.EqualTo(ProblemTypes.InternalError));
        Assert.That(_table.Count, Is.EqualTo(13), "the BEFORE DELETE block refused the whole statement");
        Assert.That(_app.Logs.GetSnapshot().Select(r => r.Exception?.Message ?? string.Empty), Has.Some.Contains("block predicate"));
    }
}
