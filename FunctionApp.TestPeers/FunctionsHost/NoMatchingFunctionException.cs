namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// No indexed HTTP function's route and methods match a request. The real host would answer it itself (404 or
/// 405); the peer does not imitate that answer and says so instead.
/// </summary>
public sealed class NoMatchingFunctionException : Exception
{
    public NoMatchingFunctionException()
    {
    }

    public NoMatchingFunctionException(string message)
        : base(message)
    {
    }

    public NoMatchingFunctionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
