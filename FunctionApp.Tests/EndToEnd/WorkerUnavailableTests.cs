using AzureSqlFunctions.Http;
using AzureSqlFunctions.Tests.Todos;
using static AzureSqlFunctions.Tests.EndToEnd.WorkerHttp;

namespace AzureSqlFunctions.Tests.EndToEnd;

/// <summary>
/// The 503s the app's middleware writes when the database or the identity cannot be had, through the shipped worker
/// with the production retry count (Sql__OpenRetries 4) and timeouts: each test starts its own worker without the
/// start-up login (<see cref="ShippedApp.LoginAtStartupOff"/>), so its pool and token cache are cold and the fault meets
/// the first invocation's real login and real token request. The production back-off (5 s
/// doubling, and the token source's 15 s after a failed request) is asserted in process with a fake clock
/// (Faults/TodoFaultMatrixProductionTests); here the first open retry waits 200 ms so the case takes seconds.
/// </summary>
internal sealed class WorkerUnavailableTests
{
    [Test]
    public async Task A_login_fault_beyond_the_retries_is_a_503_database_unavailable_with_Retry_After()
    {
        var table = new TodoTable();
        await using var app = await ShippedApp.StartAsync(prepare: (peers, _) => table.ServeOn(peers.Server), settings: [("Sql__OpenRetryDelay", "00:00:00.200"), ShippedApp.LoginAtStartupOff]);
        table.Add("unreachable for now");
        app.Sql.Faults.FailNextLogins(40613, count: 100);

        var result = await app.Host.SendHttpAsync(Get("/api/todos/1"));

        AssertUnavailable(result, ProblemTypes.DatabaseUnavailable, "5");
        Assert.That(app.Sql.Counters.FailedLogins, Is.EqualTo(1 + 4), "the first try and Sql__OpenRetries' default 4 retries");
        var retries = app.Host.Logs.Where(log => log.InvocationId == result.Invocation.InvocationId && log.Message.Contains("failed transiently (error 40613)", StringComparison.Ordinal));
        Assert.That(retries.Count(), Is.EqualTo(4), "each retry is logged under the invocation");
        app.Sql.Faults.Clear();
        Assert.That((await app.Host.SendHttpAsync(Get("/api/todos/1"))).Status(), Is.EqualTo(200), "the database is back, so is the app");
    }

    [Test]
    public async Task The_identity_endpoint_down_is_a_503_token_unavailable_and_an_unhealthy_health_report()
    {
        var table = new TodoTable();
        await using var app = await ShippedApp.StartAsync(prepare: (peers, identity) =>
        {
            table.ServeOn(peers.Server);
            identity.Faults.FailAlways = true;
        },
        settings: ShippedApp.LoginAtStartupOff);
        table.Add("needs a token");

        var result = await app.Host.SendHttpAsync(Get("/api/todos/1"));
        var health = await app.Host.SendHttpAsync(Get("/api/health"));

        AssertUnavailable(result, ProblemTypes.TokenUnavailable, "10");
        Assert.That(app.Sql.Counters.PhysicalLogins, Is.Zero, "no token, no login");
        Assert.That(health.Status(), Is.EqualTo(503), health.ToString);
        Assert.That(health.Header("Retry-After"), Is.EqualTo("10"));
        Assert.That(health.Header("Content-Type"), Is.EqualTo(JsonResponse), "the health report keeps its own shape, not a problem");
        var report = health.Json();
        Assert.That(report.GetProperty("status").GetString(), Is.EqualTo("unhealthy"));
        Assert.That(report.GetProperty("token").GetProperty("error").GetString(), Is.EqualTo("no access token"));
        var requestsWhileDown = app.Identity.RequestCount;
        app.Identity.Faults.Clear();
        var again = await app.Host.SendHttpAsync(Get("/api/todos/1"));
        AssertUnavailable(again, ProblemTypes.TokenUnavailable, "10");
        Assert.That(app.Identity.RequestCount, Is.EqualTo(requestsWhileDown), "inside the token source's back-off no new request hits the endpoint: no retry storm");
    }
}
