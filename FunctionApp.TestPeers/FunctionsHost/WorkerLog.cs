using AzureSqlFunctions.TestPeers.FunctionsHost.Rpc;
using Microsoft.Extensions.Logging;

namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>One RpcLog the worker sent over the stream.</summary>
/// <param name="InvocationId">Set when the log was written inside an invocation's scope.</param>
public sealed record WorkerLog(
    DateTimeOffset ReceivedAt,
    LogLevel Level,
    string Category,
    string Message,
    string? InvocationId,
    string? EventId,
    WorkerLogKind Kind,
    WorkerError? Exception)
{
    /// <summary>Message and exception text together, for secrecy checks and assertion messages.</summary>
    public string FullText => Exception is null ? Message : $"{Message} {Exception} {Exception.StackTrace}";

    public override string ToString() => $"[{Level}] {Category}: {Message}{(Exception is null ? string.Empty : $" ({Exception})")}";

    internal static WorkerLog From(RpcLog log, DateTimeOffset receivedAt) =>
        new(
            receivedAt,
            (LogLevel)(int)log.Level, // RpcLog.Level numbers its values exactly as LogLevel does.
            log.Category,
            log.Message,
            log.InvocationId.Length == 0 ? null : log.InvocationId,
            log.EventId.Length == 0 ? null : log.EventId,
            (WorkerLogKind)(int)log.LogCategory,
            WorkerError.From(log.Exception));
}
