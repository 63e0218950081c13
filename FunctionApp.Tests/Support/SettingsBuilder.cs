using Microsoft.Extensions.Configuration;

namespace AzureSqlFunctions.Tests.Support;

/// <summary>Builds an IConfiguration the way app settings arrive (<c>Sql__X</c> environment-style keys).</summary>
internal static class SettingsBuilder
{
    public static IConfiguration FromAppSettings(params (string Key, string? Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key.Replace("__", ":", StringComparison.Ordinal), s.Value)))
            .Build();
}
