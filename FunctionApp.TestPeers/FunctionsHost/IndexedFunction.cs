namespace AzureSqlFunctions.TestPeers.FunctionsHost;

/// <summary>A function as the worker indexed it (FunctionMetadataResponse) and loaded it (FunctionLoadResponse).</summary>
/// <param name="LoadError">The worker's reason for refusing the FunctionLoadRequest; null when it loaded.</param>
public sealed record IndexedFunction(
    string Name,
    string FunctionId,
    string EntryPoint,
    string ScriptFile,
    string Language,
    IReadOnlyList<FunctionBinding> Bindings,
    RetryPolicy? Retry,
    IReadOnlyDictionary<string, string> Properties,
    WorkerError? LoadError)
{
    /// <summary>The one trigger binding, or null for a function without one.</summary>
    public FunctionBinding? Trigger => Bindings.SingleOrDefault(binding => binding.IsTrigger && binding.Direction == BindingDirection.In);

    /// <summary>The <c>$return</c> output binding, if any.</summary>
    public FunctionBinding? ReturnBinding => Bindings.SingleOrDefault(binding => binding.Name == FunctionBinding.ReturnName);

    public override string ToString() => $"{Name} ({Trigger?.Type ?? "no trigger"})";
}
