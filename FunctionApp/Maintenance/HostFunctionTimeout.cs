using System.Globalization;
using System.Text.Json;

namespace AzureSqlFunctions.Maintenance;

/// <summary>
/// host.json's <c>functionTimeout</c>, read from the app's own folder (where the host reads it): the purge's time
/// budget must end inside it. Absent: the Consumption plan's default of 5 minutes (the strictest; Flex's is 30).
/// <c>-1</c> (no limit, Premium/Dedicated): null.
/// </summary>
internal static class HostFunctionTimeout
{
    public static readonly TimeSpan Default = TimeSpan.FromMinutes(5);

    public static TimeSpan? Read() => Read(Path.Combine(Path.GetDirectoryName(typeof(HostFunctionTimeout).Assembly.Location)!, "host.json"));

    public static TimeSpan? Read(string hostJsonPath)
    {
        if (!File.Exists(hostJsonPath))
        {
            return Default;
        }

        using var document = JsonDocument.Parse(File.ReadAllText(hostJsonPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        if (!document.RootElement.TryGetProperty("functionTimeout", out var value) || value.ValueKind != JsonValueKind.String)
        {
            return Default;
        }

        var text = value.GetString()!.Trim();
        return text == "-1" ? null
            : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var timeout) ? timeout
            : throw new AppSettingException("host.json functionTimeout", $"'{text}' is not a duration (hh:mm:ss) or -1.");
    }
}
