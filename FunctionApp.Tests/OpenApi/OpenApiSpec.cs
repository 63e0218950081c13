using System.Text.Json.Nodes;
using AzureSqlFunctions.OpenApi;

namespace AzureSqlFunctions.Tests.OpenApi;

/// <summary>The committed OpenAPI document (as the app embeds it), read as JSON: its operations and their answers.</summary>
internal static class OpenApiSpec
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch", "head", "options"];

    public static JsonObject Document { get; } = JsonNode.Parse(OpenApiDocument.Committed())!.AsObject();

    /// <summary>The base path every documented path is under (the one server's URL).</summary>
    public static string ServerPath => Document["servers"]![0]!["url"]!.GetValue<string>();

    /// <summary>Every operation: its id, method, full path (server path + path) and node.</summary>
    public static IReadOnlyList<Operation> Operations { get; } =
    [
        .. Document["paths"]!.AsObject().SelectMany(path => path.Value!.AsObject()
            .Where(member => Methods.Contains(member.Key))
            .Select(member => new Operation(
                member.Value!["operationId"]!.GetValue<string>(),
                member.Key.ToUpperInvariant(),
                ServerPath + path.Key,
                member.Value!.AsObject()))),
    ];

    public static Operation Named(string operationId) => Operations.Single(operation => operation.Id == operationId);

    /// <summary>A <c>$ref</c> followed to what it names (one level).</summary>
    public static JsonObject Resolve(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node["$ref"]?.GetValue<string>() is not { } reference)
        {
            return node.AsObject();
        }

        JsonNode target = Document;
        foreach (var segment in reference.TrimStart('#', '/').Split('/'))
        {
            target = target[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)]!;
        }

        return target.AsObject();
    }

    public static IReadOnlyList<string> ProblemTypes =>
        [.. Document["components"]!["schemas"]!["Problem"]!["properties"]!["type"]!["enum"]!.AsArray().Select(type => type!.GetValue<string>())];

    internal sealed record Operation(string Id, string Method, string Path, JsonObject Node)
    {
        public IReadOnlyList<int> Statuses => [.. Node["responses"]!.AsObject().Select(response => int.Parse(response.Key, System.Globalization.CultureInfo.InvariantCulture))];

        /// <summary>The media types documented for one status (none for a bodiless answer).</summary>
        public IReadOnlyList<string> MediaTypes(int status) =>
            Resolve(Node["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)]!)["content"]?.AsObject().Select(content => content.Key).ToList() ?? [];

        /// <summary>True when the operation overrides the document's security with none (anonymous).</summary>
        public bool IsAnonymous => Node["security"] is JsonArray { Count: 0 };
    }
}
