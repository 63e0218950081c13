namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// The worker did not get through start-up (StartStream, WorkerInitResponse, indexing, loading): it exited,
/// refused or did not answer in time. Carries what it said on the way.
/// </summary>
public sealed class WorkerStartException : Exception
{
    public WorkerStartException()
    {
    }

    public WorkerStartException(string message)
        : base(message)
    {
    }

    public WorkerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal WorkerStartException(string message, int? exitCode, IReadOnlyList<string> standardOutput, IReadOnlyList<string> standardError, IReadOnlyList<WorkerLog> logs, Exception? innerException = null)
        : base(Describe(message, exitCode, standardError), innerException)
    {
        ExitCode = exitCode;
        StandardOutput = standardOutput;
        StandardError = standardError;
        Logs = logs;
    }

    /// <summary>The worker's exit code when it exited; null when the peer gave up on a running worker (then killed it).</summary>
    public int? ExitCode { get; }

    public IReadOnlyList<string> StandardOutput { get; } = [];

    public IReadOnlyList<string> StandardError { get; } = [];

    public IReadOnlyList<WorkerLog> Logs { get; } = [];

    private static string Describe(string message, int? exitCode, IReadOnlyList<string> standardError)
    {
        var exit = exitCode is { } code ? $" The worker exited with code {code}." : string.Empty;
        var lastErrors = standardError.Count == 0 ? string.Empty : $" Its stderr ended: {string.Join(" | ", standardError.TakeLast(5))}";
        return message + exit + lastErrors;
    }
}
