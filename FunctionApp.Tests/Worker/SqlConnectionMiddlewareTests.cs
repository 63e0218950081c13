using AzureSqlFunctions.Middleware;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace AzureSqlFunctions.Tests.Worker;

/// <summary>
/// The Worker-bound shell only: Items handling, the trigger predicate and propagation. The unit of work itself
/// (commit, rollback, dispose, 503 mapping) is tested through <see cref="InvocationPipeline"/> against the TDS peer.
/// </summary>
public sealed class SqlConnectionMiddlewareTests
{
    private ServiceProvider _services = null!;
    private SqlConnectionMiddleware _middleware = null!;

    [SetUp]
    public void SetUp()
    {
        // A server nobody listens on: these tests never open a connection, and would fail loudly if they did.
        var credential = ScriptedCredential.Issuing(() => throw new InvalidOperationException("no token expected"));
        _services = TestApp.Services("Server=tcp:127.0.0.1,1;Database=appdb;Encrypt=False", credential);
        _middleware = new SqlConnectionMiddleware(_services.Pipeline());
    }

    [TearDown]
    public void TearDown() => _services.Dispose();

    [TestCase("httpTrigger", true)]
    [TestCase("timerTrigger", true)]
    [TestCase("queueTrigger", false)]
    [TestCase("blobTrigger", false)]
    public void The_middleware_applies_to_http_and_timer_triggers(string trigger, bool applies)
    {
        Assert.That(SqlConnectionMiddleware.AppliesTo(new TestFunctionContext(trigger)), Is.EqualTo(applies));
    }

    [Test]
    public async Task The_function_finds_its_connection_in_Items_and_it_is_gone_and_disposed_afterwards()
    {
        var context = new TestFunctionContext("httpTrigger");
        InvocationConnection? seen = null;

        await _middleware.Invoke(context, ctx =>
        {
            seen = ctx.GetInvocationConnection();
            Assert.That(ctx.Items[FunctionContextSqlExtensions.ItemKey], Is.SameAs(seen));
            return Task.CompletedTask;
        });

        Assert.That(seen, Is.Not.Null);
        Assert.That(seen!.IsOpened, Is.False, "a function that never touches SQL opens nothing");
        Assert.That(context.Items.ContainsKey(FunctionContextSqlExtensions.ItemKey), Is.False);
        Assert.ThrowsAsync<ObjectDisposedException>(() => seen.GetOpenConnectionAsync());
    }

    [Test]
    public async Task Each_invocation_gets_its_own_connection()
    {
        var seen = new List<InvocationConnection>();
        for (var i = 0; i < 2; i++)
        {
            await _middleware.Invoke(new TestFunctionContext("timerTrigger"), ctx =>
            {
                seen.Add(ctx.GetInvocationConnection());
                return Task.CompletedTask;
            });
        }

        Assert.That(seen[0], Is.Not.SameAs(seen[1]));
    }

    [Test]
    public void A_timer_invocations_failure_propagates_even_when_it_is_transient()
    {
        var context = new TestFunctionContext("timerTrigger");

        Assert.ThrowsAsync<TimeoutException>(() => _middleware.Invoke(context, _ => throw new TimeoutException("database did not answer")));
        Assert.That(context.Items.ContainsKey(FunctionContextSqlExtensions.ItemKey), Is.False);
    }

    [Test]
    public void A_bug_in_an_http_function_is_not_hidden_behind_a_503()
    {
        var context = new TestFunctionContext("httpTrigger");

        Assert.ThrowsAsync<ArgumentException>(() => _middleware.Invoke(context, _ => throw new ArgumentException("a bug in the function")));
    }

    [Test]
    public void A_function_without_the_middleware_gets_a_clear_error()
    {
        var context = new TestFunctionContext("queueTrigger", name: "QueueFunction");

        var ex = Assert.Throws<InvalidOperationException>(() => context.GetInvocationConnection());
        Assert.That(ex!.Message, Does.Contain("QueueFunction").And.Contain("HTTP- and timer-triggered"));
    }
}
