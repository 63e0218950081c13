using AzureSqlFunctions.Maintenance;
using AzureSqlFunctions.Tests.Maintenance;
using AzureSqlFunctions.Tests.Support;
using AzureSqlFunctions.Tests.TestPeers.Tds;
using AzureSqlFunctions.TestPeers.FunctionsHost;
using AzureSqlFunctions.TestPeers.Identity;
using AzureSqlFunctions.TestPeers.Tds;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Tests.TestPeers.FunctionsHost;

/// <summary>
/// The shipped worker process, started once, driven by the host peer over FunctionRpc as the Functions host drives
/// it in Azure: its app settings as environment, managed identity through the identity endpoint peer, Azure SQL
/// played by the TDS peer. Only what does not depend on the app's HTTP model is asserted here.
/// </summary>
internal sealed class ShippedWorkerTests
{
    private const string PurgeFunction = "PurgeDeletedTodos";

    /// <summary>Every JWT starts with the base64url of <c>{"</c>.</summary>
    private const string JwtStart = "eyJ";

    private static readonly string[] AppFunctions = ["Liveness", "Health", "ListTodos", "GetTodo", "CreateTodo", "ReplaceTodo", "DeleteTodo", "OpenApiDocument", PurgeFunction];

    private readonly DeletedTodos _table = new();

    /// <summary>Set by a test to hold the purge's DELETE until the client's attention (asked before the table).</summary>
    private TaskCompletionSource? _holdDelete;
    private TdsTestContext _sql = null!;
    private ManagedIdentityEndpoint _identity = null!;
    private FunctionsHostPeer _host = null!;

    [OneTimeSetUp]
    public async Task StartWorker()
    {
        _sql = TdsTestContext.Start();
        _sql.Server.Handle(async (request, cancel) =>
        {
            if (request.Text == PurgeSql.DeleteBatch && _holdDelete is { } held)
            {
                held.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancel);
            }

            return null;
        });
        _table.ServeOn(_sql.Server);
        _identity = await ManagedIdentityEndpoint.StartAsync(_sql.Issuer, _sql.Principal);
        var options = ShippedWorker.Options(
            ("Sql__ConnectionString", _sql.Server.ConnectionString(TdsEncryption.Off) + AzureSqlFunctions.Testing.AppPeers.ConnectionOptions),
            ("Sql__AllowInsecureTransport", "true"),
            ("Sql__Credential", "ManagedIdentity"),
            ("Maintenance__PurgeSchedule", "0 0 3 * * *"));

        // The worker inherits IDENTITY_ENDPOINT / IDENTITY_HEADER from this process's environment at start.
        using (_identity.ApplyToEnvironment())
        {
            _host = await FunctionsHostPeer.StartAsync(options);
        }

        await ShippedWorker.StartupLoginReportedAsync(_host); // its login is behind it before any test arms a fault
    }

    [OneTimeTearDown]
    public async Task StopWorker()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }

        if (_sql is not null)
        {
            await _sql.DisposeAsync();
        }
    }

    [SetUp]
    public void Reset()
    {
        _holdDelete = null;
        _table.Reset();
        _sql.Server.Faults.Clear();
    }

    [Test]
    public void The_worker_starts_and_reports_the_capabilities_the_host_relies_on()
    {
        Assert.Multiple(() =>
        {
            Assert.That(_host.WorkerVersion, Does.StartWith("2.52."));
            Assert.That(_host.WorkerCapabilities, Does.ContainKey("HandlesInvocationCancelMessage"));
            Assert.That(_host.WorkerCapabilities, Does.ContainKey(FunctionsHostPeer.HandlesWorkerTerminateCapability));
            Assert.That(_host.WorkerCapabilities, Does.ContainKey("RpcHttpTriggerMetadataRemoved"));
            Assert.That(_host.RoutePrefix, Is.EqualTo("api"), "host.json travels with the worker");
            Assert.That(_host.HasExited, Is.False);
        });
    }

    [Test]
    public void Worker_indexing_returns_exactly_the_apps_functions_each_loaded_with_its_trigger()
    {
        Assert.That(_host.Functions.Select(function => function.Name), Is.EquivalentTo(AppFunctions));
        Assert.Multiple(() =>
        {
            foreach (var function in _host.Functions)
            {
                Assert.That(function.LoadError, Is.Null, $"{function.Name} loaded");
                Assert.That(function.ScriptFile, Is.EqualTo("AzureSqlFunctions.dll"), function.Name);
                Assert.That(function.Trigger?.Type, Is.EqualTo(function.Name == PurgeFunction ? "timerTrigger" : "httpTrigger"), function.Name);
            }
        });
    }

    /// <summary>What the host routes and authorises by: README's HTTP API, as the worker indexes it.</summary>
    [TestCase("Liveness", "AzureSqlFunctions.Health.HealthFunction.Live", "get", "health/live")]
    [TestCase("Health", "AzureSqlFunctions.Health.HealthFunction.Check", "get", "health")]
    [TestCase("ListTodos", "AzureSqlFunctions.Todos.TodoFunctions.List", "get", "todos")]
    [TestCase("GetTodo", "AzureSqlFunctions.Todos.TodoFunctions.Get", "get", "todos/{id}")]
    [TestCase("CreateTodo", "AzureSqlFunctions.Todos.TodoFunctions.Create", "post", "todos")]
    [TestCase("ReplaceTodo", "AzureSqlFunctions.Todos.TodoFunctions.Replace", "put", "todos/{id}")]
    [TestCase("DeleteTodo", "AzureSqlFunctions.Todos.TodoFunctions.Delete", "delete", "todos/{id}")]
    [TestCase("OpenApiDocument", "AzureSqlFunctions.OpenApi.OpenApiFunction.Get", "get", "openapi.json")]
    public void Each_HTTP_function_is_indexed_with_its_method_route_auth_level_and_an_http_return(string name, string entryPoint, string method, string route)
    {
        var function = _host.Function(name);
        var trigger = function.Trigger!;

        Assert.Multiple(() =>
        {
            Assert.That(function.EntryPoint, Is.EqualTo(entryPoint));
            Assert.That(trigger.Name, Is.EqualTo("request"));
            Assert.That(trigger.Methods, Is.EqualTo(new[] { method }), "one method, so the host answers the others itself");
            Assert.That(trigger.Route, Is.EqualTo(route), "under host.json's prefix: /api/" + route);
            Assert.That(trigger.AuthLevel, Is.EqualTo("Anonymous"), "README: no function key; the app validates the caller's bearer token itself");
            Assert.That(trigger.Route, Does.Not.Contain(":"), "no route constraint: a bad id reaches the app and gets its 400");
            Assert.That(function.ReturnBinding?.Type, Is.EqualTo("http"), "the IResult comes back as the $return http binding");
            Assert.That(function.ReturnBinding?.Direction, Is.EqualTo(BindingDirection.Out));
            Assert.That(function.Bindings, Has.Count.EqualTo(2), "no other binding: SQL goes through the middleware's connection");
            Assert.That(function.Retry, Is.Null, "HTTP invocations are not retried by the host");
        });
    }

    [Test]
    public void The_purge_timer_is_indexed_with_its_schedule_setting_and_exponential_retry()
    {
        var purge = _host.Function(PurgeFunction);

        Assert.Multiple(() =>
        {
            Assert.That(purge.Trigger!.Schedule, Is.EqualTo("%Maintenance:PurgeSchedule%"), "the host resolves the setting, not the worker");
            Assert.That(purge.Retry, Is.EqualTo(new RetryPolicy(RetryStrategy.ExponentialBackoff, 3, null, TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(10))));
            Assert.That(purge.ReturnBinding, Is.Null);
        });
    }

    [Test]
    public async Task A_timer_invocation_purges_old_rows_through_a_managed_identity_login()
    {
        var now = DateTimeOffset.UtcNow;
        _table.Add(1500, now.AddDays(-45));
        _table.Add(2, now.AddDays(-1));

        var result = await _host.InvokeTimerAsync(PurgeFunction);

        Assert.That(result.Status, Is.EqualTo(InvocationStatus.Success), () => $"{result}");
        Assert.That(_table.Count, Is.EqualTo(2), "only rows inside the retention are left");
        Assert.That(_sql.Server.Counters.LoginsBy(_sql.Principal.ObjectId), Is.GreaterThanOrEqualTo(1), "the worker logged in as its identity");
        Assert.That(_identity.TokensIssued, Is.GreaterThanOrEqualTo(1), "with a token from the identity endpoint");
        var purged = await _host.WaitForLogAsync(log => log.InvocationId == result.InvocationId && log.Message.StartsWith("Purged 1500", StringComparison.Ordinal));
        Assert.That(purged.Level, Is.EqualTo(LogLevel.Information));
    }

    [Test]
    public async Task A_failing_purge_comes_back_to_the_host_as_a_failed_invocation()
    {
        _table.Add(10, DateTimeOffset.UtcNow.AddDays(-45));
        _sql.Server.Faults.FailNextStatement(229, "The DELETE permission was denied on the object 'Todos', database 'appdb', schema 'dbo'.", 14);

        var result = await _host.InvokeTimerAsync(PurgeFunction);

        Assert.That(result.Status, Is.EqualTo(InvocationStatus.Failure), () => $"{result}");
        Assert.That(result.Error?.Message, Does.Contain("DELETE permission was denied"));
        Assert.That(_table.Count, Is.EqualTo(10), "nothing was purged");
        Assert.That(_host.HasExited, Is.False, "a failed invocation does not stop the worker");
    }

    [Test]
    public async Task The_host_cancelling_a_running_purge_sends_attention_and_the_host_sees_a_failed_invocation()
    {
        _table.Add(10, DateTimeOffset.UtcNow.AddDays(-45));
        _holdDelete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var attentionsBefore = _sql.Server.Counters.Attentions;

        var pending = _host.StartTimer(PurgeFunction);
        await _holdDelete.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await pending.CancelAsync();
        var result = await pending.Result.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.That(result.Status, Is.EqualTo(InvocationStatus.Failure), () => $"{result}: a cancelled run is not reported as done");
        await _sql.Server.Counters.WaitUntilAsync(c => c.Attentions == attentionsBefore + 1, TimeSpan.FromSeconds(30));
        Assert.That(_table.Count, Is.EqualTo(10), "the held batch deleted nothing");
        _holdDelete = null;
        Assert.That((await _host.InvokeTimerAsync(PurgeFunction)).Succeeded, Is.True, "the next run works");
        Assert.That(_table.Count, Is.Zero);
    }

    [Test]
    public async Task No_RpcLog_or_output_line_carries_token_text()
    {
        _table.Add(1, DateTimeOffset.UtcNow.AddDays(-45));
        Assert.That((await _host.InvokeTimerAsync(PurgeFunction)).Succeeded, Is.True);
        _sql.Server.Faults.FailNextStatement(229, "The DELETE permission was denied.", 14);
        Assert.That((await _host.InvokeTimerAsync(PurgeFunction)).Succeeded, Is.False);

        var tokens = _sql.Server.Counters.TokensSeenBy(_sql.Principal.ObjectId);
        Assert.That(tokens, Is.Not.Empty, "a token was issued and used");
        Assert.That(tokens, Has.All.StartsWith(JwtStart), "the tokens are JWTs, so the eyJ check covers any of them");
        var lines = _host.Logs.Select(log => log.FullText).Concat(_host.StandardOutput).Concat(_host.StandardError).ToList();
        Assert.That(_host.Logs, Has.Some.Property(nameof(WorkerLog.Level)).EqualTo(LogLevel.Error), "the failure was logged, so its lines were checked");
        Assert.That(lines.Where(line => line.Contains(JwtStart, StringComparison.Ordinal) || tokens.Any(token => line.Contains(token, StringComparison.Ordinal))), Is.Empty);
    }
}
