namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>
/// Waits for each start-up answer against one deadline and the worker's exit, and turns every way start-up can
/// fail into a <see cref="WorkerStartException"/> with what the worker said (a running worker is then killed).
/// </summary>
internal sealed class StartupStages(WorkerProcess process, TimeSpan timeout)
{
    // How long a closed stream may precede the exit it signals, so the failure can report the exit code.
    private static readonly TimeSpan ExitAfterClose = TimeSpan.FromSeconds(3);

    private readonly Task _deadline = Task.Delay(timeout);

    public async Task<T> Await<T>(Task<T> step, string what, WorkerConnection? connection)
    {
        var finished = await Task.WhenAny(step, process.Exited, _deadline);
        if (finished == step)
        {
            try
            {
                return await step;
            }
            catch (IOException ex)
            {
                await Task.WhenAny(process.Exited, Task.Delay(ExitAfterClose));
                throw Failure($"The worker's EventStream closed while the peer waited for {what}.", connection, ex);
            }
        }

        if (finished == process.Exited)
        {
            throw Failure($"The worker exited while the peer waited for {what}.", connection);
        }

        throw Failure($"No {what} within {timeout}.", connection);
    }

    public WorkerStartException Failure(string message, WorkerConnection? connection, Exception? inner = null)
    {
        int? exitCode = process.HasExited ? process.Exited.Result : null;
        if (exitCode is null)
        {
            process.Kill();
        }

        return new WorkerStartException(
            message, exitCode, process.StandardOutput.Snapshot(), process.StandardError.Snapshot(), connection?.Logs.Snapshot() ?? [], inner);
    }
}
