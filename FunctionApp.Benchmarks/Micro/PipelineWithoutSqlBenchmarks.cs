using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Middleware;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Attributes;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Target 2: an invocation whose function never asks for SQL. The baseline calls the function (the middleware's
/// <c>next</c>) directly; the other runs it through the app's real <c>UnitOfWorkMiddleware</c>, as the worker does.
/// The function completes synchronously, so any allocation or time is the middleware's own.
/// </summary>
[MemoryDiagnoser]
public class PipelineWithoutSqlBenchmarks
{
    // An instance field, as the worker's next is: the call goes through a delegate held by the caller.
    private readonly FunctionExecutionDelegate _next = static _ => Task.CompletedTask;
    private TokenIssuer _issuer = null!;
    private PeerApp _app = null!;
    private UnitOfWorkMiddleware _middleware = null!;
    private FunctionContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _issuer = new TokenIssuer();
        var principal = TestPrincipal.Create("bench-app");
        _app = PeerApp.Start(_issuer, principal, new IssuerCredential(_issuer, principal));
        _middleware = _app.App.Middleware;
        _context = _app.App.CreateContext();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _issuer.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task Next_called_directly() => _next(_context);

    [Benchmark]
    public Task Pipeline_without_SQL() => _middleware.Invoke(_context, _next);
}
