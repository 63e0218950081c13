namespace AzureSqlFunctions.TestPeers.Identity;

/// <summary>One request the managed-identity endpoint received and how it answered (0 when the answer never left).</summary>
public sealed record IdentityEndpointRequest(
    DateTimeOffset ReceivedAt,
    string? ApiVersion,
    string? Resource,
    string? ClientId,
    bool HeaderMatched,
    int StatusCode);
