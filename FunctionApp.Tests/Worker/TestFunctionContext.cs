using System.Collections.Immutable;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Tests.Worker;

/// <summary>
/// A FunctionContext for middleware tests (the Worker's is abstract and built by the host). Only what the
/// middleware reads is real; the rest throws, so a test notices if the middleware starts depending on it.
/// </summary>
internal sealed class TestFunctionContext : FunctionContext
{
    private readonly CancellationToken _cancellation;

    public TestFunctionContext(string triggerType, string name = "TestFunction", CancellationToken cancellation = default)
    {
        _cancellation = cancellation;
        FunctionDefinition = new TestFunctionDefinition(name, triggerType);
    }

    public override string InvocationId { get; } = Guid.NewGuid().ToString();

    public override string FunctionId => FunctionDefinition.Id;

    public override TraceContext TraceContext => throw new NotSupportedException();

    public override BindingContext BindingContext => throw new NotSupportedException();

    public override RetryContext RetryContext => throw new NotSupportedException();

    public override IServiceProvider InstanceServices { get; set; } = EmptyServices.Instance;

    public override FunctionDefinition FunctionDefinition { get; }

    public override IDictionary<object, object> Items { get; set; } = new Dictionary<object, object>();

    public override IInvocationFeatures Features => throw new NotSupportedException();

    public override CancellationToken CancellationToken => _cancellation;

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }

    private sealed class TestFunctionDefinition(string name, string triggerType) : FunctionDefinition
    {
        public override ImmutableArray<FunctionParameter> Parameters => [];

        public override string PathToAssembly => typeof(TestFunctionDefinition).Assembly.Location;

        public override string EntryPoint => "AzureSqlFunctions.Tests.Worker." + name;

        public override string Id { get; } = Guid.NewGuid().ToString("N");

        public override string Name => name;

        public override IImmutableDictionary<string, BindingMetadata> InputBindings { get; } =
            ImmutableDictionary<string, BindingMetadata>.Empty.Add("trigger", new TestBinding("trigger", triggerType));

        public override IImmutableDictionary<string, BindingMetadata> OutputBindings { get; } =
            ImmutableDictionary<string, BindingMetadata>.Empty;
    }

    private sealed class TestBinding(string name, string type) : BindingMetadata
    {
        public override string Name => name;

        public override string Type => type;

        public override BindingDirection Direction => BindingDirection.In;
    }
}
