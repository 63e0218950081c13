using Microsoft.Extensions.Logging.Testing;

namespace AzureSqlFunctions.Testing;

/// <summary>Log records as text: message, every structured value, every scope and the exception, for secrecy checks.</summary>
internal static class LogLines
{
    public static IReadOnlyList<string> All(FakeLogCollector logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        return [.. logs.GetSnapshot().Select(Describe)];
    }

    public static string Describe(FakeLogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var state = record.StructuredState?.Select(p => $"{p.Key}={p.Value}") ?? [];
        var scopes = record.Scopes.Select(scope => scope is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}"))
            : scope?.ToString());
        return string.Join(" | ", [$"{record.Level} {record.Category}: {record.Message}", .. state, .. scopes, record.Exception?.ToString()]);
    }
}
