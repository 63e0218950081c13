namespace AzureSqlFunctions.Http;

/// <summary>
/// Whether text is only ASCII digits. .NET's integer parsing tolerates trailing NULs (and, with other styles,
/// spaces and signs), so ids and counts from URLs are checked with this first: "1\0" is a bad id, not id 1.
/// </summary>
internal static class DigitString
{
    public static bool IsAsciiDigits(ReadOnlySpan<char> text) => !text.IsEmpty && !text.ContainsAnyExceptInRange('0', '9');
}
