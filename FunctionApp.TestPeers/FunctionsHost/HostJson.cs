using System.Text.Json;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>What the peer reads from the app's host.json: the HTTP route prefix (<c>extensions.http.routePrefix</c>).</summary>
internal static class HostJson
{
    public const string FileName = "host.json";
    public const string DefaultRoutePrefix = "api";

    private static readonly JsonDocumentOptions Options = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    /// <summary>The prefix without slashes; "api" when host.json or the setting is absent; may be empty.</summary>
    public static string RoutePrefix(string appDirectory)
    {
        var path = Path.Combine(appDirectory, FileName);
        if (!File.Exists(path))
        {
            return DefaultRoutePrefix;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path), Options);
        var prefix = Find(document.RootElement, "extensions", "http", "routePrefix");
        return prefix is { ValueKind: JsonValueKind.String } value ? value.GetString()!.Trim('/') : DefaultRoutePrefix;
    }

    // host.json is read through configuration by the host: keys are case-insensitive.
    private static JsonElement? Find(JsonElement element, params string[] path)
    {
        var current = element;
        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var next = current.EnumerateObject().FirstOrDefault(property => string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase));
            if (next.Value.ValueKind == JsonValueKind.Undefined)
            {
                return null;
            }

            current = next.Value;
        }

        return current;
    }
}
