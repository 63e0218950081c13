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

    /// <summary>Command timeout of each delete batch: the last batch, started just inside the budget, ends by then.</summary>
    public TimeSpan PurgeBatchTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>What must be left of host.json's functionTimeout after the budget and one batch (logging, disposal).</summary>
    internal static TimeSpan FunctionTimeoutMargin { get; } = TimeSpan.FromSeconds(30);
}

/// <summary>Rules of the <c>Maintenance</c> section; failures name the app setting.</summary>
internal sealed class MaintenanceOptionsValidator : IValidateOptions<MaintenanceOptions>
{
    private readonly Func<TimeSpan?> _functionTimeout;

    public MaintenanceOptionsValidator()
        : this(HostFunctionTimeout.Read)
    {
    }

    internal MaintenanceOptionsValidator(Func<TimeSpan?> functionTimeout) => _functionTimeout = functionTimeout;

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
        SettingRules.Range(failures, "Maintenance__PurgeBatchTimeout", options.PurgeBatchTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));
        if (failures.Count == 0 && _functionTimeout() is { } functionTimeout
            && options.PurgeTimeBudget + options.PurgeBatchTimeout + MaintenanceOptions.FunctionTimeoutMargin > functionTimeout)
        {
            failures.Add(
                $"Maintenance__PurgeTimeBudget: '{options.PurgeTimeBudget}' plus one batch (Maintenance__PurgeBatchTimeout '{options.PurgeBatchTimeout}') and a " +
                $"{MaintenanceOptions.FunctionTimeoutMargin.TotalSeconds:0} s margin must fit in host.json's functionTimeout ({functionTimeout}); lower the budget or raise functionTimeout.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
