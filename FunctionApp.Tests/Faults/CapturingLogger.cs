using System.Text;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>One category's logger for <see cref="CapturingLoggerProvider"/>: enabled at every level.</summary>
internal sealed class CapturingLogger(string category, CapturingLoggerProvider provider) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => provider.Scopes.Push(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        var line = new StringBuilder()
            .Append(logLevel).Append(' ').Append(category).Append('[').Append(eventId.Id).Append("] ")
            .Append(formatter(state, exception));

        // Structured values too: a sink such as Application Insights stores them even when the message omits them.
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                line.Append(" | ").Append(key).Append('=').Append(value);
            }
        }

        provider.Scopes.ForEachScope(static (scope, builder) => builder.Append(" | scope ").Append(scope), line);
        if (exception is not null)
        {
            line.Append(" | ").Append(exception);
        }

        provider.Add(line.ToString());
    }
}
