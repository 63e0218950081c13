using AzureSqlFunctions.Testing;

namespace AzureSqlFunctions.Tests.Faults;

/// <summary>What one soak invocation answered, or the exception that escaped it (which must never happen).</summary>
internal sealed record SoakOutcome(SoakStep Step, HttpAnswer? Result, Exception? Escaped)
{
    /// <summary>How many times the step was sent (a create answered outcome-unknown is sent again with its key).</summary>
    public int Attempts { get; init; } = 1;

    /// <summary>Whether any attempt was answered outcome-unknown (that attempt may have saved).</summary>
    public bool WasUnknown { get; init; }

    public int Status => Result?.Status ?? 0;

    public string? ProblemType => Result is { ContentType: "application/problem+json" } problem ? problem.Json().GetProperty("type").GetString() : null;

    /// <summary>"PUT 503 database-unavailable", "POST 201", "GET unhandled InvalidOperationException": the counted key.</summary>
    public string Key => Escaped is not null
        ? $"{Step.Operation} unhandled {Escaped.GetType().Name}"
        : $"{Step.Operation} {Status}{(ProblemType is { } type ? " " + type[(type.LastIndexOf(':') + 1)..] : string.Empty)}";
}
