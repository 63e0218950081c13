using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// A function's retry policy as the worker indexes it (RpcRetryOptions). The real host applies it; the peer only
/// reports it.
/// </summary>
public sealed record RetryPolicy(RetryStrategy Strategy, int MaxRetryCount, TimeSpan? DelayInterval, TimeSpan? MinimumInterval, TimeSpan? MaximumInterval)
{
    internal static RetryPolicy? From(RpcRetryOptions? options) =>
        options is null
            ? null
            : new RetryPolicy(
                (RetryStrategy)(int)options.RetryStrategy,
                options.MaxRetryCount,
                options.DelayInterval?.ToTimeSpan(),
                options.MinimumInterval?.ToTimeSpan(),
                options.MaximumInterval?.ToTimeSpan());
}
