namespace AzureSqlFunctions.Database.Cli;

/// <summary>The command line cannot be run as given; the message says what to fix.</summary>
internal sealed class CommandLineException : Exception
{
    public CommandLineException()
    {
    }

    public CommandLineException(string message)
        : base(message)
    {
    }

    public CommandLineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
