namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>How much each measurement does: quick mode keeps the whole run to a few minutes on two cores.</summary>
/// <param name="Quick">Quick mode (<c>--quick</c>) rather than full.</param>
/// <param name="Rounds">Rounds of every interleaved A/B comparison (odd, so the median is one round's value).</param>
internal sealed record RunMode(bool Quick, int Rounds)
{
    public static readonly RunMode QuickMode = new(Quick: true, Rounds: 21);

    public static readonly RunMode Full = new(Quick: false, Rounds: 61);

    public string Name => Quick ? "quick" : "full";

    /// <summary>Scales a count: the full count, or a fifth of it (at least one) in quick mode.</summary>
    public int Scale(int full) => Quick ? Math.Max(1, full / 5) : full;
}
