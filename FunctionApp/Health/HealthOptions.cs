using AzureSqlFunctions.Sql;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Health;

/// <summary>The <c>Health</c> section: what the token check asks for and how long each check may take.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Health";
    public const string DefaultTokenResource = "https://database.windows.net/";

    /// <summary>The resource SqlClient asks tokens for (Azure SQL's, or a sovereign cloud's).</summary>
    public string TokenResource { get; set; } = DefaultTokenResource;

    /// <summary>Upper bound on each check (token, SQL round trip), so the endpoint answers in bounded time.</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>When unhealthy, how long a client or probe should wait before asking again (not a setting).</summary>
    internal static TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(10);

    internal string TokenScope => AccessTokenSource.ScopeFor(TokenResource);
}

/// <summary>Rules of the <c>Health</c> section; failures name the app setting.</summary>
internal sealed class HealthOptionsValidator : IValidateOptions<HealthOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Uri.TryCreate(options.TokenResource, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            failures.Add($"Health__TokenResource: '{options.TokenResource}' must be an https URL such as {HealthOptions.DefaultTokenResource}.");
        }

        SettingRules.Range(failures, "Health__CheckTimeout", options.CheckTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(1));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
