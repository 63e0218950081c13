namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>One target's outcome: what was measured, against what limit, and whether it held.</summary>
/// <param name="Number">The target's number (1–11, docs/benchmarks.md).</param>
/// <param name="Name">What was measured, briefly.</param>
/// <param name="Measured">The measured value(s) and the limit, as printed.</param>
/// <param name="Pass">Whether the target held in this run.</param>
internal sealed record TargetResult(int Number, string Name, string Measured, bool Pass)
{
    public override string ToString() => $"{Number} {Name}: {Measured} {(Pass ? "PASS" : "FAIL")}";
}
