using AzureSqlFunctions.TestPeers.Tds.Framing;

namespace AzureSqlFunctions.TestPeers.Tds;

/// <summary>A request queued with the source its attention cancels, or (both null) the attention itself.</summary>
internal sealed record PendingRequest(TdsMessage? Message, CancellationTokenSource? Cancellation)
{
    public static PendingRequest Attention { get; } = new(null, null);

    public bool IsAttention => Message is null;
}
