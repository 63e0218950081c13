using Microsoft.AspNetCore.Http;

namespace AzureSqlFunctions.Http;

/// <summary>
/// The <c>Idempotency-Key</c> request header (IETF httpapi draft "The Idempotency-Key HTTP Header Field"): a
/// structured-field string such as <c>"8e03978e-40d5-43e8-bc93-6894a57f9324"</c>; the bare value is accepted too.
/// After unquoting it must be 1–<see cref="MaxLength"/> visible ASCII characters other than <c>"</c>, <c>\</c> and
/// <c>,</c> (so no escapes and no list), in one header value.
/// </summary>
internal static class IdempotencyKey
{
    public const string HeaderName = "Idempotency-Key";

    public const int MaxLength = 100;

    /// <summary>How long a key and its answer are kept: a retry within this time replays, after it creates anew.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    public const string InvalidMessage = "Must be one key of 1 to 100 visible ASCII characters (no spaces, quotes, backslashes or commas), optionally quoted, e.g. \"8e03978e-40d5-43e8-bc93-6894a57f9324\".";

    /// <summary>Null key when the header is absent; a problem when it is malformed.</summary>
    public static bool TryRead(HttpRequest request, out string? key)
    {
        ArgumentNullException.ThrowIfNull(request);
        key = null;
        var values = request.Headers[HeaderName];
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > 1 || values[0] is not { } raw)
        {
            return false;
        }

        var text = raw.Trim(' ', '\t');
        if (text.Length >= 2 && text[0] == '"' && text[^1] == '"')
        {
            text = text[1..^1];
        }

        if (text.Length is 0 or > MaxLength || text.AsSpan().ContainsAnyExceptInRange('!', '~') || text.Contains('"', StringComparison.Ordinal) || text.Contains('\\', StringComparison.Ordinal) || text.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }

        key = text;
        return true;
    }
}
