using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AzureSqlFunctions.Auth;

/// <summary>Registers bearer-token validation: options (validated at startup) → validator (one metadata cache).</summary>
internal static class AuthServiceCollectionExtensions
{
    public static IServiceCollection AddBearerTokenValidation(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            // An empty Auth__Instance (as an unset azd value arrives) means the default, Entra's public cloud.
            .PostConfigure(static options => options.Instance = string.IsNullOrWhiteSpace(options.Instance) ? AuthOptions.DefaultInstance : options.Instance)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.TryAddSingleton<BearerTokenValidator>();
        return services;
    }
}
