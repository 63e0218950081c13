using AzureSqlFunctions.Testing;

namespace AzureSqlFunctions.Tests.Support;

/// <summary>Starts the app (as Program.cs does) over a valid baseline of settings plus a test's own.</summary>
internal static class StartupSettings
{
    public const string ValidConnectionString = "Server=tcp:contoso.database.windows.net,1433;Database=appdb;Encrypt=True";

    /// <summary>The app starts with these settings; returns it to inspect the bound options.</summary>
    public static AppUnderTest Accepts(params (string Key, string? Value)[] settings) =>
        AppUnderTest.Start([("Sql__ConnectionString", ValidConnectionString), ("Sql__Credential", "ManagedIdentity"), .. settings]);

    /// <summary>The app refuses to start with these settings; returns its error (which names the settings).</summary>
    public static AppSettingException Rejects(params (string Key, string? Value)[] settings)
    {
        var failure = Assert.Throws<AppSettingException>(() => Accepts(settings).DisposeAsync().AsTask().GetAwaiter().GetResult());
        return failure!;
    }
}
