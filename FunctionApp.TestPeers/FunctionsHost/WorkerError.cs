using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>An exception as the worker reports it (RpcException): in a failed result or attached to a log.</summary>
public sealed record WorkerError(string? Type, string Message, string? StackTrace, string? Source, bool IsUserException)
{
    public override string ToString() => string.IsNullOrEmpty(Type) ? Message : $"{Type}: {Message}";

    internal static WorkerError? From(RpcException? exception) =>
        exception is null
            ? null
            : new WorkerError(NullIfEmpty(exception.Type), exception.Message, NullIfEmpty(exception.StackTrace), NullIfEmpty(exception.Source), exception.IsUserException);

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
