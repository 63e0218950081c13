using AzureSqlFunctions.Benchmarks.Support;
using BenchmarkDotNet.Attributes;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Detail of target 2 (production container): an invocation whose function never asks for SQL, called directly (the
/// last middleware's <c>next</c>), through the unit of work's step as the worker chains it, and through the app's whole
/// middleware. The function completes synchronously, so what the rows add is the middleware's own.
/// </summary>
[MemoryDiagnoser]
public class PipelineWithoutSqlBenchmarks
{
    private readonly FunctionExecutionDelegate _next = ShippedBench.NoSqlFunction;
    private ShippedBench _bench = null!;
    private FunctionExecutionDelegate _unitOfWork = null!;
    private FunctionExecutionDelegate _chain = null!;
    private FunctionContext _context = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bench = ShippedBench.StartAsync().GetAwaiter().GetResult();
        _unitOfWork = _bench.UnitOfWork(_next);
        _chain = _bench.Pipeline(_next);
        _context = _bench.Context();
    }

    [GlobalCleanup]
    public void Cleanup() => _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public Task Next_called_directly() => _next(_context);

    [Benchmark]
    public Task UnitOfWork_without_SQL() => _unitOfWork(_context);

    [Benchmark]
    public Task App_middleware_without_SQL() => _chain(_context);
}
