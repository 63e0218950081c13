namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>One request the managed-identity endpoint received and how it answered (0 when the answer never left).</summary>
/// <param name="Query">The raw query string, leading '?' included.</param>
public sealed record IdentityEndpointRequest(
    DateTimeOffset ReceivedAt,
    string Query,
    string? ApiVersion,
    string? Resource,
    string? ClientId,
    bool HeaderMatched,
    int StatusCode);
