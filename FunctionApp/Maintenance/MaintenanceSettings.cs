using System.Globalization;
using AzureSqlFunctions.Sql;
using Microsoft.Extensions.Configuration;

namespace AzureSqlFunctions.Maintenance;

/// <summary>The validated <c>Maintenance</c> section of the purge job. (The schedule itself is read by the Functions host.)</summary>
internal sealed record MaintenanceSettings
{
    public const int DefaultRetentionDays = 30;
    public const int DefaultPurgeBatchSize = 1000;
    public static readonly TimeSpan DefaultPurgeTimeBudget = TimeSpan.FromMinutes(4);

    /// <summary>Soft-deleted todos are kept this many days, then purged.</summary>
    public int RetentionDays { get; init; } = DefaultRetentionDays;

    public int PurgeBatchSize { get; init; } = DefaultPurgeBatchSize;

    /// <summary>No new batch starts after this much time (stays inside the Functions timeout; the next run continues).</summary>
    public TimeSpan PurgeTimeBudget { get; init; } = DefaultPurgeTimeBudget;

    /// <summary>Reads <c>Maintenance__RetentionDays</c>, <c>__PurgeBatchSize</c>, <c>__PurgeTimeBudget</c>; errors name the setting.</summary>
    public static MaintenanceSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Maintenance");
        return new MaintenanceSettings
        {
            RetentionDays = ReadInt(section["RetentionDays"], "Maintenance__RetentionDays", DefaultRetentionDays, 1, 3650),
            PurgeBatchSize = ReadInt(section["PurgeBatchSize"], "Maintenance__PurgeBatchSize", DefaultPurgeBatchSize, 1, 100_000),
            PurgeTimeBudget = ReadTimeSpan(section["PurgeTimeBudget"], "Maintenance__PurgeTimeBudget", DefaultPurgeTimeBudget, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1)),
        };
    }

    private static int ReadInt(string? value, string setting, int fallback, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max
            ? result
            : throw new AppSettingException(setting, $"'{value}' must be a whole number from {min} to {max}.");
    }

    private static TimeSpan ReadTimeSpan(string? value, string setting, TimeSpan fallback, TimeSpan min, TimeSpan max)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var result) && result >= min && result <= max
            ? result
            : throw new AppSettingException(setting, $"'{value}' must be a duration (hh:mm:ss) from {min} to {max}.");
    }
}
