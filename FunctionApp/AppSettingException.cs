namespace AzureSqlFunctions;

/// <summary>A configuration error, naming the app setting to fix (e.g. <c>Sql__ConnectionString</c>).</summary>
internal sealed class AppSettingException : Exception
{
    public AppSettingException(string setting, string problem)
        : base($"App setting {setting}: {problem}")
    {
        Setting = setting;
    }

    public AppSettingException()
    {
        Setting = string.Empty;
    }

    public AppSettingException(string message)
        : base(message)
    {
        Setting = string.Empty;
    }

    public AppSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
        Setting = string.Empty;
    }

    /// <summary>The setting as written in app settings / local.settings.json (<c>Sql__…</c>).</summary>
    public string Setting { get; }
}
