using System.Globalization;
using AzureSqlFunctions.Http;

namespace AzureSqlFunctions.Todos;

/// <summary>Reads the <c>{id}</c> route value: digits only, 1 to <see cref="long.MaxValue"/>.</summary>
internal static class TodoId
{
    public const string InvalidMessage = "Must be a whole number from 1 to 9223372036854775807.";

    public static bool TryParse(string? text, out long id)
    {
        id = 0;
        // NumberStyles.None: no sign, no spaces, no thousands separators; overflow fails the parse.
        return DigitString.IsAsciiDigits(text)
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id)
            && id > 0;
    }
}
