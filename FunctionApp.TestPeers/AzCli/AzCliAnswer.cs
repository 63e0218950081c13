namespace AzureSqlFunctions.TestPeers.AzCli;

/// <summary>What one <c>az</c> run prints and exits with.</summary>
internal sealed record AzCliAnswer(int ExitCode, bool ToStandardError, string Text)
{
    public static AzCliAnswer Success(string json) => new(0, false, json);

    public static AzCliAnswer Failure(string message, int exitCode = 1) => new(exitCode, true, message);
}
