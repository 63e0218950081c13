using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>
/// Keeps every line the app logs (message, exception text and scope values) at every level, so a test can assert
/// what never appears in logs (token text). Registered in the app's container before its own registrations.
/// </summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> _lines = new();
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>Adds this provider to <paramref name="services"/> with the app's loggers at Trace.</summary>
    public void AddTo(IServiceCollection services) =>
        services.AddLogging(logging => logging.AddProvider(this).SetMinimumLevel(LogLevel.Trace));

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, this);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
        // The lines outlive the container: the test reads them after disposing it.
    }

    internal IExternalScopeProvider Scopes => _scopes;

    internal void Add(string line) => _lines.Enqueue(line);
}
