namespace AzureSqlFunctions.Sql;

/// <summary>
/// The unit of work's end was not acknowledged (the commit's answer was lost, or it or the rollback got no answer
/// within <see cref="SqlOptions.CommitTimeout"/>): the writes may or may not have been saved.
/// </summary>
internal sealed class OutcomeUnknownException : Exception
{
    public OutcomeUnknownException()
    {
    }

    public OutcomeUnknownException(string message)
        : base(message)
    {
    }

    public OutcomeUnknownException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
