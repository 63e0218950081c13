namespace AzureSqlFunctions.Sql;

/// <summary>
/// No usable Entra token: the cached one (if any) has expired and the credential failed to give a new one.
/// The message names the credential and scope, never a token.
/// </summary>
internal sealed class AccessTokenUnavailableException : Exception
{
    public AccessTokenUnavailableException()
    {
    }

    public AccessTokenUnavailableException(string message)
        : base(message)
    {
    }

    public AccessTokenUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
