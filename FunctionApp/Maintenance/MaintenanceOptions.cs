using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Maintenance;

/// <summary>The <c>Maintenance</c> section of the purge job.</summary>
public sealed class MaintenanceOptions
{
    public const string SectionName = "Maintenance";

    /// <summary>
    /// The purge timer's NCRONTAB schedule (six fields, seconds first). The Functions host reads it for the trigger
    /// (<c>%Maintenance:PurgeSchedule%</c>); the app checks it is there, since without it the host skips the function.
    /// </summary>
    public string? PurgeSchedule { get; set; }

    /// <summary>Soft-deleted todos are kept this many days, then purged.</summary>
    public int RetentionDays { get; set; } = 30;

    public int PurgeBatchSize { get; set; } = 1000;

    /// <summary>No new batch starts after this much time (stays inside the Functions timeout; the next run continues).</summary>
    public TimeSpan PurgeTimeBudget { get; set; } = TimeSpan.FromMinutes(4);
}

/// <summary>Rules of the <c>Maintenance</c> section; failures name the app setting.</summary>
internal sealed class MaintenanceOptionsValidator : IValidateOptions<MaintenanceOptions>
{
    public ValidateOptionsResult Validate(string? name, MaintenanceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.PurgeSchedule))
        {
            failures.Add("Maintenance__PurgeSchedule: is missing. Set the purge timer's NCRONTAB schedule, e.g. '0 0 3 * * *' (daily at 03:00 UTC).");
        }
        else if (options.PurgeSchedule.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length != 6)
        {
            failures.Add($"Maintenance__PurgeSchedule: '{options.PurgeSchedule}' must be an NCRONTAB expression of six fields (second minute hour day month weekday), e.g. '0 0 3 * * *'.");
        }

        SettingRules.Range(failures, "Maintenance__RetentionDays", options.RetentionDays, 1, 3650);
        SettingRules.Range(failures, "Maintenance__PurgeBatchSize", options.PurgeBatchSize, 1, 100_000);
        SettingRules.Range(failures, "Maintenance__PurgeTimeBudget", options.PurgeTimeBudget, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
