namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>Azure SQL's wording and severity for the errors tests inject.</summary>
public static class AzureSqlErrors
{
    public const int LoginFailed = 18456;

    /// <summary>What Azure SQL says when a token is rejected; it never names the principal.</summary>
    public const string LoginFailedMessage = "Login failed for user '<token-identified principal>'.";

    public static string MessageFor(int number, string databaseName) => number switch
    {
        LoginFailed => LoginFailedMessage,
        40613 => $"Database '{databaseName}' on server 'localhost' is not currently available. Please retry the connection later. " +
            $"If the problem persists, contact customer support, and provide them the session tracing ID of '{Guid.NewGuid()}'.",
        40501 => $"The service is currently busy. Retry the request after 10 seconds. Incident ID: {Guid.NewGuid()}. Code: 4390.",
        40197 => "The service has encountered an error processing your request. Please try again. Error code 40549.",
        4060 => $"Cannot open database \"{databaseName}\" requested by the login. The login failed.",
        10928 => "Resource ID : 1. The request limit for the database is 30 and has been reached.",
        10929 => "Resource ID : 1. The request limit for the database is 30 and has been reached. However, the server is currently too busy to support requests greater than 30 for this database.",
        49918 => "Cannot process request. Not enough resources to process request. The service is currently busy. Please try the request again later.",
        _ => $"TdsServer: injected error {number}.",
    };

    public static byte SeverityOf(int number) => number switch
    {
        LoginFailed => 14,
        4060 => 11,
        49918 => 16,
        _ => 20,
    };
}
