using System.Globalization;
using AzureSqlFunctions.Sql;
using Microsoft.Extensions.Configuration;

namespace AzureSqlFunctions.Health;

/// <summary>The validated <c>Health</c> section: what the token check asks for and how long each check may take.</summary>
internal sealed record HealthSettings
{
    public const string DefaultTokenResource = "https://database.windows.net/";
    public static readonly TimeSpan DefaultCheckTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The resource SqlClient asks tokens for (Azure SQL's, or a sovereign cloud's).</summary>
    public string TokenResource { get; init; } = DefaultTokenResource;

    /// <summary>Upper bound on each check (token, SQL round trip), so the endpoint answers in bounded time.</summary>
    public TimeSpan CheckTimeout { get; init; } = DefaultCheckTimeout;

    /// <summary>When unhealthy, how long a client or probe should wait before asking again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(10);

    public string TokenScope => AccessTokenSource.ScopeFor(TokenResource);

    /// <summary>Reads <c>Health__TokenResource</c> and <c>Health__CheckTimeout</c>; a bad value names its setting.</summary>
    public static HealthSettings Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection("Health");
        var resource = section["TokenResource"];
        if (string.IsNullOrWhiteSpace(resource))
        {
            resource = DefaultTokenResource;
        }
        else if (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new AppSettingException("Health__TokenResource", $"'{resource}' must be an https URL such as {DefaultTokenResource}.");
        }

        var timeout = DefaultCheckTimeout;
        var timeoutText = section["CheckTimeout"];
        if (!string.IsNullOrWhiteSpace(timeoutText)
            && !(TimeSpan.TryParse(timeoutText, CultureInfo.InvariantCulture, out timeout) && timeout >= TimeSpan.FromMilliseconds(100) && timeout <= TimeSpan.FromMinutes(1)))
        {
            throw new AppSettingException("Health__CheckTimeout", $"'{timeoutText}' must be a duration (hh:mm:ss) from 00:00:00.1 to 00:01:00.");
        }

        return new HealthSettings { TokenResource = resource, CheckTimeout = timeout };
    }
}
