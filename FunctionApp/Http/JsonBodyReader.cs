using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace AzureSqlFunctions.Http;

/// <summary>
/// Reads a JSON request body into <typeparamref name="T"/> with hard limits: the media type must be JSON (415), at
/// most <see cref="MaxBytes"/> are read and never more than one byte beyond (413), and the JSON must be one object
/// whose fields are all known and of the right type (400 naming the field). Problems never echo the body.
/// The worker holds at most <see cref="MaxBytes"/> + 1 bytes of a body, whatever the client sends.
/// </summary>
internal static class JsonBodyReader
{
    public const int MaxBytes = 64 * 1024;

    /// <summary>Unknown fields named in one answer, at most; each name is cut to <see cref="MaxEchoedNameLength"/>.</summary>
    public const int MaxUnknownFieldsNamed = 10;

    public const int MaxEchoedNameLength = 64;

    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static async Task<Checked<T>> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        var contentType = request.Headers.ContentType.Count == 0 ? null : request.Headers.ContentType.ToString();
        if (!IsJson(contentType))
        {
            return Fail<T>(ApiProblems.UnsupportedMediaType(contentType));
        }

        if (request.ContentLength > MaxBytes)
        {
            return Fail<T>(ApiProblems.PayloadTooLarge(MaxBytes)); // declared too large: not one byte is read
        }

        var buffer = new byte[MaxBytes + 1];
        var length = await FillAsync(request.Body, buffer, cancellationToken);
        if (length > MaxBytes)
        {
            return Fail<T>(ApiProblems.PayloadTooLarge(MaxBytes));
        }

        if (length == 0)
        {
            return Fail<T>(ApiProblems.MalformedJson("The request body is empty; send a JSON object."));
        }

        // RFC 8259 §8.1 lets a parser ignore a UTF-8 byte order mark; some clients (PowerShell 5, .NET's UTF8Encoding(true)) send one.
        var json = buffer.AsMemory(0, length);
        if (json.Span.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            // Line and position only: the exception's message may quote the body.
            return Fail<T>(ApiProblems.MalformedJson($"The body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})."));
        }

        using (document)
        {
            return Deserialize<T>(document.RootElement);
        }
    }

    private static Checked<T> Deserialize<T>(JsonElement root)
        where T : class
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Fail<T>(ApiProblems.Validation("$", "The body must be a JSON object."));
        }

        if (!HasReadableNames(root))
        {
            return Fail<T>(ApiProblems.MalformedJson("A field name is not valid text (invalid UTF-8 or an unpaired surrogate escape)."));
        }

        var typeInfo = (JsonTypeInfo<T>)ApiJson.Options.GetTypeInfo(typeof(T));
        if (FieldErrors(root, typeInfo) is { Count: > 0 } errors)
        {
            return Fail<T>(ApiProblems.Validation(errors));
        }

        try
        {
            return root.Deserialize(typeInfo) is { } value
                ? Checked<T>.Valid(value)
                : Fail<T>(ApiProblems.Validation("$", "The body must be a JSON object."));
        }
        catch (JsonException ex)
        {
            var field = FieldOf(ex.Path);
            var expected = typeInfo.Properties.FirstOrDefault(p => string.Equals(p.Name, field, StringComparison.OrdinalIgnoreCase))?.PropertyType;
            return Fail<T>(ApiProblems.Validation(field, $"Must be {Describe(expected)}."));
        }
    }

    /// <summary>
    /// Whether every field name (at any depth) decodes to text: System.Text.Json throws InvalidOperationException, not
    /// JsonException, for invalid UTF-8 or a lone surrogate escape in a name once it is read.
    /// </summary>
    private static bool HasReadableNames(JsonElement element)
    {
        try
        {
            return Walk(element);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static bool Walk(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        _ = property.Name;
                        Walk(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item);
                    }

                    break;
            }

            return true;
        }
    }

    /// <summary>
    /// Unknown and repeated fields, checked before binding so each gets its own message. The answer stays small
    /// whatever the body: at most <see cref="MaxUnknownFieldsNamed"/> unknown fields are named, each cut short.
    /// </summary>
    private static Dictionary<string, string[]> FieldErrors<T>(JsonElement root, JsonTypeInfo<T> typeInfo)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var unknown = 0;
        foreach (var property in root.EnumerateObject())
        {
            if (!typeInfo.Properties.Any(p => string.Equals(p.Name, property.Name, StringComparison.OrdinalIgnoreCase)))
            {
                if (++unknown <= MaxUnknownFieldsNamed)
                {
                    errors[Echoed(property.Name)] = ["Is not a known field."];
                }
            }
            else if (!seen.Add(property.Name))
            {
                errors[property.Name] = ["Appears more than once."];
            }
        }

        if (unknown > MaxUnknownFieldsNamed)
        {
            errors["$"] = [$"Has {unknown} unknown fields; the first {MaxUnknownFieldsNamed} are named."];
        }

        return errors;
    }

    private static string Echoed(string name) => name.Length <= MaxEchoedNameLength ? name : name[..MaxEchoedNameLength] + "…";

    private static bool IsJson(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var media))
        {
            return false;
        }

        // application/json or application/*+json, as ASP.NET Core's own JSON content-type check accepts.
        var json = media.MatchesMediaType("application/json") || (media.Type.Equals("application", StringComparison.OrdinalIgnoreCase) && media.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
        // JSON is UTF-8 (RFC 8259); another declared charset would be decoded wrongly. "utf8" (the common spelling
        // without the hyphen) names the same encoding, so it is accepted too.
        return json && (!media.Charset.HasValue || HeaderUtilities.RemoveQuotes(media.Charset) is var charset
            && (charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>Reads until the buffer is full or the stream ends: at most MaxBytes + 1, enough to tell "too large".</summary>
    private static async Task<int> FillAsync(Stream body, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string Describe(Type? type) => (Nullable.GetUnderlyingType(type ?? typeof(object)) ?? type) switch
    {
        var t when t == typeof(string) => "a string",
        var t when t == typeof(bool) => "true or false",
        var t when t == typeof(int) || t == typeof(long) => "a whole number",
        _ => "a value of the documented type",
    };

    private static Checked<T> Fail<T>(IResult problem)
        where T : class => Checked<T>.Invalid(problem);
}
