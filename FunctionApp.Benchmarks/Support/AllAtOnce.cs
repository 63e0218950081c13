namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>
/// Concurrent callers that arrive together: each starts on the thread pool and waits at one gate, which opens once all
/// are started, so a burst target's first asks really overlap instead of trickling in as tasks are created.
/// </summary>
internal static class AllAtOnce
{
    public static Task[] Start(int callers, Func<Task> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return Start(callers, async () =>
        {
            await call();
            return true;
        });
    }

    public static Task<T>[] Start<T>(int callers, Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            await gate.Task;
            return await call();
        })).ToArray();
        gate.SetResult();
        return tasks;
    }
}
