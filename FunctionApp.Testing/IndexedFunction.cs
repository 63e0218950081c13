using System.Text.Json;
using Microsoft.Azure.Functions.Worker.Core.FunctionMetadata;

namespace AzureSqlFunctions.Testing;

/// <summary>One function as the worker indexes it (the SDK's generated metadata), with its trigger read from the bindings JSON.</summary>
internal sealed record IndexedFunction(
    string Name,
    string EntryPoint,
    string TriggerType,
    string TriggerName,
    string? Route,
    IReadOnlyList<string> Methods,
    string? AuthLevel,
    string? Schedule,
    IRetryOptions? Retry,
    IReadOnlyList<string> RawBindings)
{
    public bool IsHttp => string.Equals(TriggerType, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    public static IndexedFunction From(IFunctionMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        var raw = metadata.RawBindings ?? [];
        foreach (var json in raw)
        {
            using var binding = JsonDocument.Parse(json);
            var root = binding.RootElement;
            var type = root.GetProperty("type").GetString()!;
            if (!type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            return new IndexedFunction(
                metadata.Name!,
                metadata.EntryPoint!,
                type,
                root.GetProperty("name").GetString()!,
                Text(root, "route"),
                root.TryGetProperty("methods", out var methods) ? [.. methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant())] : [],
                Text(root, "authLevel"),
                Text(root, "schedule"),
                metadata.Retry,
                [.. raw]);
        }

        throw new InvalidOperationException($"Function {metadata.Name} has no trigger binding.");
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
