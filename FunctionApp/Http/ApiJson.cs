using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace AzureSqlFunctions.Http;

/// <summary>The API's one JSON contract: camelCase out, strict in (unknown, duplicate or loosely typed fields are errors).</summary>
internal static class ApiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        // Web defaults read numbers from strings; a client sending the wrong type should hear about it.
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        AllowDuplicateProperties = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        // Explicit, so GetTypeInfo (used to name fields in errors) works before the first serialization.
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
    };
}
