using AzureSqlFunctions.Benchmarks.Support;
using AzureSqlFunctions.Sql;
using BenchmarkDotNet.Attributes;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Data.SqlClient;

namespace AzureSqlFunctions.Benchmarks.Micro;

/// <summary>
/// Detail of target 1 (production container and connection string, see <see cref="ShippedBench"/>): the plain pooled
/// connection with a fixed token; the unit of work + the function's lazy open and <c>SELECT 1</c>; the same through
/// the app's whole middleware; and two rows that locate a difference: the app's factory open without middleware, and
/// a plain connection with the app's static token callback instead of the fixed token. A fresh context and
/// cancellable token per invocation on the invocation rows, as from the worker.
/// </summary>
[MemoryDiagnoser]
public class PipelineSelectOneBenchmarks
{
    private ShippedBench _bench = null!;
    private FunctionExecutionDelegate _plain = null!;
    private FunctionExecutionDelegate _unitOfWork = null!;
    private FunctionExecutionDelegate _chain = null!;
    private string _connectionString = null!;

    [GlobalSetup]
    public void Setup()
    {
        _bench = ShippedBench.StartAsync().GetAwaiter().GetResult();
        _plain = _bench.PlainSelectOneFunction(_bench.FixedToken());
        _unitOfWork = _bench.UnitOfWork(ShippedBench.SelectOneFunction);
        _chain = _bench.Pipeline(ShippedBench.SelectOneFunction);
        _connectionString = _bench.ConnectionString;
        for (var i = 0; i < 200; i++)
        {
            Plain_pooled_SqlConnection_SELECT_1().GetAwaiter().GetResult();
            UnitOfWork_lazy_open_SELECT_1().GetAwaiter().GetResult();
            App_middleware_lazy_open_SELECT_1().GetAwaiter().GetResult();
            Factory_open_SELECT_1().GetAwaiter().GetResult();
            Callback_pooled_SqlConnection_SELECT_1().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _bench.DisposeAsync().AsTask().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public Task Plain_pooled_SqlConnection_SELECT_1() => InvokeAsync(_plain);

    [Benchmark]
    public Task UnitOfWork_lazy_open_SELECT_1() => InvokeAsync(_unitOfWork);

    [Benchmark]
    public Task App_middleware_lazy_open_SELECT_1() => InvokeAsync(_chain);

    [Benchmark]
    public async Task Factory_open_SELECT_1()
    {
        using var cancellation = new CancellationTokenSource();
        await using var connection = await _bench.Factory.OpenAsync(cancellation.Token);
        await SelectOneAsync(connection, cancellation.Token);
    }

    [Benchmark]
    public async Task Callback_pooled_SqlConnection_SELECT_1()
    {
        using var cancellation = new CancellationTokenSource();
        await using var connection = new SqlConnection(_connectionString) { AccessTokenCallback = SqlAccessTokenCallback.Instance };
        await connection.OpenAsync(cancellation.Token);
        await SelectOneAsync(connection, cancellation.Token);
    }

    private static async Task SelectOneAsync(SqlConnection connection, CancellationToken cancellation)
    {
        await using var command = new SqlCommand("SELECT 1", connection);
        if (await command.ExecuteScalarAsync(cancellation) is not 1)
        {
            throw new InvalidOperationException("SELECT 1 did not read 1.");
        }
    }

    private async Task InvokeAsync(FunctionExecutionDelegate invocation)
    {
        using var cancellation = new CancellationTokenSource();
        await invocation(_bench.Context(cancellation.Token));
    }
}
