using System.Collections.Immutable;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Testing;

/// <summary>
/// A <see cref="FunctionContext"/> as the worker builds one per invocation: id, definition, the invocation's service
/// scope, items, features (with the bindings feature that holds the result) and the host's cancellation.
/// </summary>
internal sealed class TestFunctionContext(FunctionDefinition definition, IServiceProvider services, IInvocationFeatures features, CancellationToken cancellation)
    : FunctionContext
{
    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext { get; } = new EmptyTraceContext();

    public override BindingContext BindingContext => throw new NotSupportedException("The test host binds parameters itself.");

    public override RetryContext RetryContext => throw new NotSupportedException("The test host does not retry.");

    public override IServiceProvider InstanceServices { get; set; } = services;

    public override FunctionDefinition FunctionDefinition { get; } = definition;

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features { get; } = features;

    public override CancellationToken CancellationToken { get; } = cancellation;

    private sealed class EmptyTraceContext : TraceContext
    {
        public override string TraceParent => string.Empty;

        public override string TraceState => string.Empty;
    }
}

/// <summary>A function's definition built from its index entry (or, for an ad-hoc test function, from a trigger type).</summary>
internal sealed class TestFunctionDefinition(string name, string entryPoint, string triggerName, string triggerType) : FunctionDefinition
{
    public static TestFunctionDefinition From(IndexedFunction function) =>
        new(function.Name, function.EntryPoint, function.TriggerName, function.TriggerType);

    public override ImmutableArray<FunctionParameter> Parameters => [];

    public override string PathToAssembly => typeof(GeneratedFunctionMetadataProvider).Assembly.Location;

    public override string EntryPoint => entryPoint;

    public override string Id { get; } = Guid.NewGuid().ToString("N");

    public override string Name => name;

    public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
        ImmutableDictionary<string, BindingMetadata>.Empty.Add(triggerName, new TriggerBinding(triggerName, triggerType));

    public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } =
        ImmutableDictionary<string, BindingMetadata>.Empty;

    private sealed class TriggerBinding(string name, string type) : BindingMetadata
    {
        public override string Name => name;

        public override string Type => type;

        public override BindingDirection Direction => BindingDirection.In;
    }
}
