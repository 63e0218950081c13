using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using AzureSqlFunctions.TestPeers.Identity;
using BenchmarkDotNet.Attributes;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Target 2: an invocation whose function never asks for SQL. The baseline calls the function (the middleware's
/// <c>next</c>) directly; the other runs it through <see cref="InvocationPipeline.RunAsync"/>, as the middleware does.
/// The function completes synchronously, so any allocation or time is the pipeline's own.
/// </summary>
[MemoryDiagnoser]
public class PipelineWithoutSqlBenchmarks
{
    private static readonly InvocationInfo Invocation = new("benchmark-invocation", "Benchmark", IsHttp: true, CancellationToken.None);
    private static readonly Func<InvocationConnection, Func<object?, Task>, Task> CallNext = static (connection, next) => next(connection);

    // An instance field, as the middleware's next is: the call goes through a delegate held by the caller.
    private readonly Func<object?, Task> _next = static _ => Task.CompletedTask;
    private TokenIssuer _issuer = null!;
    private PeerApp _app = null!;
    private InvocationPipeline _pipeline = null!;

    [GlobalSetup]
    public void Setup()
    {
        _issuer = new TokenIssuer();
        var principal = TestPrincipal.Create("bench-app");
        _app = PeerApp.Start(_issuer, principal, new IssuerCredential(_issuer, principal));
        _pipeline = _app.Pipeline;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _app.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _issuer.Dispose();
    }

    [Benchmark(Baseline = true)]
    public Task Next_called_directly() => _next(null);

    [Benchmark]
    public Task Pipeline_without_SQL() => _pipeline.RunAsync(Invocation, _next, CallNext);
}
