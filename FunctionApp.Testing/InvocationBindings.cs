using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// The invocation's bindings as the Functions host's side of the worker keeps them: the invocation result (what
/// <c>context.GetInvocationResult()</c> reads and writes) and output binding data. The Worker declares that feature as
/// an internal interface, so it is implemented here as a <see cref="DispatchProxy"/> of it.
/// </summary>
public class InvocationBindings : DispatchProxy
{
    private const string FeatureTypeName = "Microsoft.Azure.Functions.Worker.Context.Features.IFunctionBindingsFeature";

    private static readonly Type FeatureType = typeof(FunctionContext).Assembly.GetType(FeatureTypeName, throwOnError: true)!;

    private readonly Dictionary<string, object?> _outputs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object?> _empty = new(StringComparer.Ordinal);

    public object? InvocationResult { get; set; }

    /// <summary>Registers a new, empty bindings feature in <paramref name="features"/>; returns it to read the result.</summary>
    internal static InvocationBindings AddTo(InvocationFeatures features)
    {
        var proxy = Create(FeatureType, typeof(InvocationBindings));
        features.Set(FeatureType, proxy);
        return (InvocationBindings)proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) => targetMethod?.Name switch
    {
        "get_InvocationResult" => InvocationResult,
        "set_InvocationResult" => SetResult(args![0]),
        "get_OutputBindingData" => _outputs,
        "get_TriggerMetadata" or "get_InputData" => _empty,
        "get_OutputBindingsInfo" => null,
        _ => throw new NotSupportedException($"The test host does not implement {targetMethod?.Name}."),
    };

    private object? SetResult(object? value)
    {
        InvocationResult = value;
        return null;
    }
}
