namespace AzureSqlFunctions.Http;

/// <summary>Strong ETags made from a row's <c>rowversion</c>: the 8 bytes in base64, quoted.</summary>
internal static class EntityTag
{
    public const int RowVersionLength = 8;

    public static string FromRowVersion(byte[] rowVersion)
    {
        ArgumentNullException.ThrowIfNull(rowVersion);
        return "\"" + Convert.ToBase64String(rowVersion) + "\"";
    }

    /// <summary>
    /// Reads one strong ETag this API issued. Weak tags (<c>W/</c>), <c>*</c>, lists and anything that is not a quoted
    /// base64 rowversion are not accepted: a conditional update needs the exact version the client read.
    /// </summary>
    public static bool TryParseRowVersion(string? header, out byte[] rowVersion)
    {
        rowVersion = [];
        var text = header?.Trim();
        if (text is null || text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return false;
        }

        var buffer = new byte[RowVersionLength + 1];
        if (!Convert.TryFromBase64String(text[1..^1], buffer, out var written) || written != RowVersionLength)
        {
            return false;
        }

        rowVersion = buffer[..RowVersionLength];
        return true;
    }
}
