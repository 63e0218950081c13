using Microsoft.Net.Http.Headers;

namespace AzureSqlFunctions.Http;

/// <summary>Strong ETags made from a row's <c>rowversion</c>: the 8 bytes in base64, quoted.</summary>
internal static class EntityTag
{
    public const int RowVersionLength = 8;

    public static string FromRowVersion(byte[] rowVersion)
    {
        ArgumentNullException.ThrowIfNull(rowVersion);
        return new EntityTagHeaderValue("\"" + Convert.ToBase64String(rowVersion) + "\"").ToString();
    }

    /// <summary>
    /// Reads one strong ETag this API issued, parsed by ASP.NET Core's <see cref="EntityTagHeaderValue"/>. Weak tags
    /// (<c>W/</c>), <c>*</c>, lists and anything that is not a quoted base64 rowversion are not accepted: a conditional
    /// update needs the exact version the client read.
    /// </summary>
    public static bool TryParseRowVersion(string? header, out byte[] rowVersion)
    {
        rowVersion = [];
        if (!EntityTagHeaderValue.TryParse(header?.Trim(), out var tag) || tag.IsWeak || tag.Equals(EntityTagHeaderValue.Any))
        {
            return false;
        }

        var quoted = tag.Tag; // with its quotes
        var buffer = new byte[RowVersionLength + 1];
        if (quoted.Length < 2 || !Convert.TryFromBase64String(quoted.Subsegment(1, quoted.Length - 2).ToString(), buffer, out var written) || written != RowVersionLength)
        {
            return false;
        }

        rowVersion = buffer[..RowVersionLength];
        return true;
    }
}
