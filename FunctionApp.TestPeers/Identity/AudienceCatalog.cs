namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>
/// The resources a peer will mint tokens for. Clients name a resource loosely (MSAL and the Azure CLI
/// send <c>https://database.windows.net</c>, without the slash); the token carries the audience exactly
/// as registered, as Entra does for Azure SQL (<c>https://database.windows.net/</c>).
/// </summary>
internal sealed class AudienceCatalog
{
    private const string DefaultScopeSuffix = "/.default";
    private readonly Dictionary<string, string> _byKey = new(StringComparer.OrdinalIgnoreCase);
    private readonly Lock _gate = new();

    public AudienceCatalog() => Add(TokenIssuer.SqlAudience);

    public void Add(string audience)
    {
        ArgumentException.ThrowIfNullOrEmpty(audience);
        lock (_gate)
        {
            _byKey[Key(audience)] = audience;
        }
    }

    /// <summary>Maps a requested resource or scope to its registered audience; false when it is unknown.</summary>
    public bool TryResolve(string? resource, out string audience)
    {
        audience = string.Empty;
        if (string.IsNullOrWhiteSpace(resource))
        {
            return false;
        }

        lock (_gate)
        {
            if (!_byKey.TryGetValue(Key(resource), out var found))
            {
                return false;
            }

            audience = found;
            return true;
        }
    }

    private static string Key(string resource)
    {
        var trimmed = resource.Trim();
        if (trimmed.EndsWith(DefaultScopeSuffix, StringComparison.Ordinal))
        {
            trimmed = trimmed[..^DefaultScopeSuffix.Length];
        }

        return trimmed.TrimEnd('/');
    }
}
