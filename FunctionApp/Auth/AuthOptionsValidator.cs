using System.Net;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Auth;

/// <summary>Rules of the <c>Auth</c> section; every failure names the app setting (<c>Auth__TenantId: …</c>).</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.TenantId))
        {
            failures.Add("Auth__TenantId: is missing. Set it to the directory (tenant) id of the API's app registration (a GUID).");
        }
        else if (!Guid.TryParse(options.TenantId, out _))
        {
            failures.Add($"Auth__TenantId: '{options.TenantId}' must be the directory (tenant) id, a GUID (not a domain name, 'common' or 'organizations').");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Auth__Audience: is missing. Set it to the API app registration's client id (a GUID) or its application ID URI (api://…).");
        }
        else if (!Guid.TryParse(options.Audience, out _) && !Uri.TryCreate(options.Audience, UriKind.Absolute, out _))
        {
            failures.Add($"Auth__Audience: '{options.Audience}' must be the API's client id (a GUID) or its application ID URI (api://…).");
        }

        if (InstanceProblem(options) is { } problem)
        {
            failures.Add($"Auth__Instance: {problem}");
        }

        Word(failures, "Auth__Scope", options.Scope, "the delegated scope the API exposes, e.g. Todos.ReadWrite");
        Word(failures, "Auth__AppRole", options.AppRole, "the app role service callers are granted, e.g. Todos.ReadWrite.All");
        SettingRules.Range(failures, "Auth__ClockSkew", options.ClockSkew, TimeSpan.Zero, TimeSpan.FromMinutes(5));
        SettingRules.Range(failures, "Auth__MetadataRefreshInterval", options.MetadataRefreshInterval, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? InstanceProblem(AuthOptions options)
    {
        if (!Uri.TryCreate(options.Instance, UriKind.Absolute, out var instance) || !string.IsNullOrEmpty(instance.Query) || instance.AbsolutePath != "/")
        {
            return $"'{options.Instance}' must be the authority host alone, such as {AuthOptions.DefaultInstance}";
        }

        if (instance.Scheme == Uri.UriSchemeHttps)
        {
            return null;
        }

        if (instance.Scheme != Uri.UriSchemeHttp)
        {
            return $"'{options.Instance}' must be an https URL such as {AuthOptions.DefaultInstance}";
        }

        if (!options.AllowInsecureMetadata)
        {
            return $"'{options.Instance}' is plain http: signing keys must come over https. Auth__AllowInsecureMetadata=true allows http for a local test issuer only.";
        }

        // Even with the insecure setting, keys over plain http only from this machine.
        return instance.IsLoopback || (IPAddress.TryParse(instance.Host, out var address) && IPAddress.IsLoopback(address))
            ? null
            : $"'{options.Instance}' is plain http on another machine: Auth__AllowInsecureMetadata allows http from a loopback address (127.0.0.1, localhost) only.";
    }

    private static void Word(List<string> failures, string setting, string? value, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Any(char.IsWhiteSpace) || value.Contains('"', StringComparison.Ordinal) || value.Contains('\\', StringComparison.Ordinal))
        {
            failures.Add($"{setting}: '{value}' must be one name without spaces or quotes: {what}.");
        }
    }
}
