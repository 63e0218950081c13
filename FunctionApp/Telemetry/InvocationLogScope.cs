using System.Collections;

namespace AzureSqlFunctions.Telemetry;

/// <summary>
/// The logging scope of one invocation: every log line written while it runs carries <c>InvocationId</c> and
/// <c>FunctionName</c> as structured properties (OpenTelemetry and Application Insights keep them).
/// </summary>
internal sealed class InvocationLogScope(string invocationId, string functionName) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("InvocationId", invocationId),
        1 => new("FunctionName", functionName),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"{functionName} invocation {invocationId}";
}
