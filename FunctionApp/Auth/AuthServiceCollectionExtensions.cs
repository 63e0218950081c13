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
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.TryAddSingleton<BearerTokenValidator>();
        return services;
    }
}
