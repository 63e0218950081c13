namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>Several things disposed together, last first (e.g. a peer and the environment pointing at it).</summary>
internal sealed class Disposables(params object[] items) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        foreach (var item in items.Reverse())
        {
            switch (item)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }
}
