namespace AzureSqlFunctions;

/// <summary>
/// A configuration error that stops the app. The message names each app setting to fix, as it is written in app
/// settings or local.settings.json (<c>Sql__ConnectionString: …</c>).
/// </summary>
internal sealed class AppSettingException : Exception
{
    public AppSettingException()
    {
    }

    public AppSettingException(string message)
        : base(message)
    {
    }

    public AppSettingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AppSettingException(string setting, string problem)
        : base($"{setting}: {problem}")
    {
    }
}
