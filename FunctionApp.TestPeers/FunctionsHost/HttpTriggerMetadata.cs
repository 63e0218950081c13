using System.Text.Json;
using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// The trigger metadata the host sends with an HTTP invocation (the HTTP trigger's binding data, minus the
/// request object itself, which a worker with RpcHttpTriggerMetadataRemoved does not get). In the host's order,
/// later sources overriding earlier ones: the top-level non-array properties of a JSON body, each query parameter
/// but <c>code</c> (last value wins), each route value; then <c>Query</c> and <c>Headers</c> as JSON objects
/// unless a key of that name exists already. Null values are left out.
/// </summary>
internal static class HttpTriggerMetadata
{
    private const string FunctionKeyParameter = "code";

    public static Dictionary<string, TypedData> Build(string? query, RouteValueDictionary routeValues, IReadOnlyDictionary<string, string> headers, byte[]? body)
    {
        var metadata = new Dictionary<string, TypedData>(StringComparer.OrdinalIgnoreCase);
        if (body is { Length: > 0 })
        {
            AddJsonProperties(metadata, body);
        }

        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in QueryHelpers.ParseQuery(query))
        {
            parameters[name] = values[^1] ?? string.Empty;
        }

        foreach (var (name, value) in parameters)
        {
            if (!string.Equals(name, FunctionKeyParameter, StringComparison.OrdinalIgnoreCase))
            {
                metadata[name] = new TypedData { String = value };
            }
        }

        foreach (var (name, value) in routeValues)
        {
            if (value is not null)
            {
                metadata[name] = new TypedData { String = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) };
            }
        }

        metadata.TryAdd("Query", new TypedData { Json = JsonSerializer.Serialize(parameters) });
        metadata.TryAdd("Headers", new TypedData { Json = JsonSerializer.Serialize(headers) });
        return metadata;
    }

    private static void AddJsonProperties(Dictionary<string, TypedData> metadata, byte[] body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return; // not JSON: the host adds nothing from the body
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                TypedData? value = property.Value.ValueKind switch
                {
                    JsonValueKind.Object => new TypedData { Json = property.Value.GetRawText() },
                    JsonValueKind.String => new TypedData { String = property.Value.GetString() },
                    JsonValueKind.True => new TypedData { String = bool.TrueString },
                    JsonValueKind.False => new TypedData { String = bool.FalseString },
                    JsonValueKind.Number => new TypedData { String = property.Value.GetRawText() },
                    _ => null, // arrays are skipped, nulls left out
                };
                if (value is not null)
                {
                    metadata[property.Name] = value;
                }
            }
        }
    }
}
