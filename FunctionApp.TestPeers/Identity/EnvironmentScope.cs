namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>
/// Sets or clears process environment variables and puts every prior value back on dispose.
/// Environment variables are process-wide, so tests using a scope must not run in parallel.
/// </summary>
public sealed class EnvironmentScope : IDisposable
{
    private readonly Dictionary<string, string?> _prior = new(StringComparer.Ordinal);
    private bool _disposed;

    /// <summary>Sets <paramref name="name"/> to <paramref name="value"/>; null removes it.</summary>
    public EnvironmentScope Set(string name, string? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        _prior.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
        return this;
    }

    public EnvironmentScope Clear(params IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names)
        {
            Set(name, null);
        }

        return this;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var (name, value) in _prior)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
