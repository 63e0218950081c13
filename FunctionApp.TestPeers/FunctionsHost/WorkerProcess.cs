using System.Diagnostics;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>The worker's OS process: started like the host starts it, its output lines and exit code kept.</summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(Process process, Task<int> exited)
    {
        _process = process;
        Exited = exited;
    }

    public int Id => _process.Id;

    public ObservedList<string> StandardOutput { get; } = new();

    public ObservedList<string> StandardError { get; } = new();

    /// <summary>Both streams' lines, in the order they were read.</summary>
    public ObservedList<string> Output { get; } = new();

    /// <summary>Completes with the exit code once the process has exited and its output is read to the end.</summary>
    public Task<int> Exited { get; }

    public bool HasExited => Exited.IsCompleted;

    /// <param name="environment">Set on top of this process's environment; a null value removes the variable.</param>
    public static WorkerProcess Start(string executable, IEnumerable<string> arguments, string workingDirectory, IEnumerable<KeyValuePair<string, string?>> environment)
    {
        var info = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = info };
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = new WorkerProcess(process, exited.Task);
        process.OutputDataReceived += (_, line) => worker.Keep(worker.StandardOutput, line.Data);
        process.ErrorDataReceived += (_, line) => worker.Keep(worker.StandardError, line.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _ = WatchAsync(process, exited);
        return worker;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited in between: nothing to kill.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Keep(ObservedList<string> lines, string? line)
    {
        if (line is not null)
        {
            lines.Add(line);
            Output.Add(line);
        }
    }

    private static async Task WatchAsync(Process process, TaskCompletionSource<int> exited)
    {
        // WaitForExitAsync also waits for the redirected streams to reach their end.
        await process.WaitForExitAsync();
        exited.TrySetResult(process.ExitCode);
    }
}
