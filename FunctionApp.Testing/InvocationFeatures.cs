using System.Collections;
using Microsoft.Azure.Functions.Worker;

namespace AzureSqlFunctions.Testing;

/// <summary>An invocation's feature collection, keyed by feature type, as the Worker's own is.</summary>
internal sealed class InvocationFeatures : IInvocationFeatures
{
    private readonly Dictionary<Type, object> _features = [];

    public T? Get<T>() => _features.TryGetValue(typeof(T), out var feature) ? (T)feature : default;

    public void Set<T>(T instance) => Set(typeof(T), instance!);

    public void Set(Type type, object instance) => _features[type] = instance;

    public IEnumerator<KeyValuePair<Type, object>> GetEnumerator() => _features.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
