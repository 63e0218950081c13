using Microsoft.Extensions.Configuration;

namespace AzureSqlFunctions.Testing;

/// <summary>Builds an <see cref="IConfiguration"/> the way app settings arrive: <c>Sql__X</c> environment-style keys.</summary>
internal static class AppSettings
{
    /// <summary>A later setting overrides an earlier one of the same key, as a test's own value overrides a default.</summary>
    public static IConfiguration Configuration(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings
                .GroupBy(setting => setting.Key, StringComparer.OrdinalIgnoreCase)
                .Select(same => new KeyValuePair<string, string?>(same.Key.Replace("__", ":", StringComparison.Ordinal), same.Last().Value)))
            .Build();
}
