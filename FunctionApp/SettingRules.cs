namespace AzureSqlFunctions;

/// <summary>The range checks the options validators share; each failure names the app setting.</summary>
internal static class SettingRules
{
    public static void Range(List<string> failures, string setting, int value, int min, int max)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (value < min || value > max)
        {
            failures.Add($"{setting}: '{value}' must be a whole number from {min} to {max}.");
        }
    }

    public static void Range(List<string> failures, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        ArgumentNullException.ThrowIfNull(failures);
        if (value < min || value > max)
        {
            failures.Add($"{setting}: '{value}' must be a duration (hh:mm:ss) from {min} to {max}.");
        }
    }
}
