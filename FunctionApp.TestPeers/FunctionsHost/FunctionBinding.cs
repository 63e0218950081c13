using System.Text.Json;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// One binding of an indexed function, read from the raw JSON the worker sends (property names are matched
/// case-insensitively, as the host does). <see cref="Json"/> keeps the whole text for anything not surfaced here.
/// </summary>
/// <param name="Methods">An HTTP trigger's methods; null when the binding names none (every method).</param>
/// <param name="Schedule">A timer trigger's schedule as declared (a <c>%Setting%</c> stays unresolved).</param>
public sealed record FunctionBinding(
    string Name,
    string Type,
    BindingDirection Direction,
    string? DataType,
    string? Route,
    IReadOnlyList<string>? Methods,
    string? AuthLevel,
    string? Schedule,
    string Json)
{
    public const string ReturnName = "$return";

    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);

    public bool IsHttpTrigger => string.Equals(Type, "httpTrigger", StringComparison.OrdinalIgnoreCase);

    public bool IsTimerTrigger => string.Equals(Type, "timerTrigger", StringComparison.OrdinalIgnoreCase);

    public static FunctionBinding Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var name = String(root, "name") ?? throw new FormatException($"A binding without a name: {json}");
        var type = String(root, "type") ?? throw new FormatException($"A binding without a type: {json}");
        var direction = Enum.TryParse<BindingDirection>(String(root, "direction"), ignoreCase: true, out var parsed)
            ? parsed
            : throw new FormatException($"Binding {name}: direction is not In, Out or InOut: {json}");
        IReadOnlyList<string>? methods = Property(root, "methods") is { ValueKind: JsonValueKind.Array } array
            ? [.. array.EnumerateArray().Select(method => method.GetString() ?? string.Empty)]
            : null;
        return new FunctionBinding(
            name, type, direction, String(root, "dataType"), String(root, "route"), methods, String(root, "authLevel"), String(root, "schedule"), json);
    }

    private static string? String(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }

        return null;
    }
}
