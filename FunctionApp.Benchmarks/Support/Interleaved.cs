using System.Diagnostics;

namespace AzureSqlFunctions.Benchmarks.Support;

/// <summary>
/// The A/B measurement that decides a ratio target: blocks of the baseline and of the candidate alternate (which goes
/// first swaps every round), and the verdict reads the median over rounds of each round's own ratio (or difference).
/// A busy moment on a shared machine then lands on both sides of the rounds it touches, and a few such rounds cannot
/// move a median — where one method measured after the other (BenchmarkDotNet's order) puts all of it on one side.
/// Each block reports time per operation and bytes allocated per operation.
/// </summary>
internal static class Interleaved
{
    /// <summary>The shortest warm-up of every comparison, however few operations it asks for.</summary>
    public static readonly TimeSpan MinimumWarmUp = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Compares two operations. <paramref name="threadBytesOnly"/>: count the allocations of the measuring thread only
    /// (exact for operations that complete synchronously); otherwise the whole process's (async operations whose
    /// continuations run on the thread pool; other threads' allocations are noise that the median absorbs).
    /// </summary>
    public static async Task<Comparison> CompareAsync(Func<ValueTask> baseline, Func<ValueTask> candidate, int rounds, int operationsPerBlock, bool threadBytesOnly, int warmUpOperations) =>
        (await CompareAsync(baseline, [candidate], rounds, operationsPerBlock, threadBytesOnly, warmUpOperations))[0];

    /// <summary>
    /// As above with several candidates, each compared with the same baseline blocks; the order of all of them
    /// rotates every round.
    /// </summary>
    public static async Task<IReadOnlyList<Comparison>> CompareAsync(Func<ValueTask> baseline, IReadOnlyList<Func<ValueTask>> candidates, int rounds, int operationsPerBlock, bool threadBytesOnly, int warmUpOperations)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        ArgumentNullException.ThrowIfNull(candidates);
        Func<ValueTask>[] sides = [baseline, .. candidates];
        // Warm up by count and by time: the runtime moves a method to optimised code only after a quiet spell of
        // ~100 ms and a background compile, so a short warm-up would measure the first rounds unoptimised.
        var warmUpStarted = Stopwatch.GetTimestamp();
        for (var i = 0; i < warmUpOperations || Stopwatch.GetElapsedTime(warmUpStarted) < MinimumWarmUp; i++)
        {
            foreach (var side in sides)
            {
                await side();
            }
        }

        var blocks = sides.Select(_ => new List<Block>(rounds)).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < sides.Length; k++)
            {
                var index = (round + k) % sides.Length;
                blocks[index].Add(await MeasureAsync(sides[index], operationsPerBlock, threadBytesOnly));
            }
        }

        return [.. blocks.Skip(1).Select(candidate => new Comparison(blocks[0], candidate))];
    }

    private static async Task<Block> MeasureAsync(Func<ValueTask> operation, int count, bool threadBytesOnly)
    {
        var bytesBefore = threadBytesOnly ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            await operation();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        var bytesAfter = threadBytesOnly ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);
        return new Block(elapsed.TotalNanoseconds / count, (double)(bytesAfter - bytesBefore) / count);
    }

    /// <summary>One block: mean time and bytes allocated per operation.</summary>
    public readonly record struct Block(double Nanoseconds, double Bytes);

    /// <summary>The rounds of one comparison.</summary>
    public sealed class Comparison(IReadOnlyList<Block> baseline, IReadOnlyList<Block> candidate)
    {
        public IReadOnlyList<Block> Baseline { get; } = baseline;

        public IReadOnlyList<Block> Candidate { get; } = candidate;

        public int Rounds => Baseline.Count;

        /// <summary>Each round's candidate time over its baseline time.</summary>
        public IReadOnlyList<double> Ratios => [.. Baseline.Zip(Candidate, (b, c) => c.Nanoseconds / b.Nanoseconds)];

        /// <summary>Each round's candidate time minus its baseline time, in nanoseconds per operation.</summary>
        public IReadOnlyList<double> Differences => [.. Baseline.Zip(Candidate, (b, c) => c.Nanoseconds - b.Nanoseconds)];

        /// <summary>Each round's candidate bytes minus its baseline bytes, per operation.</summary>
        public IReadOnlyList<double> ByteDifferences => [.. Baseline.Zip(Candidate, (b, c) => c.Bytes - b.Bytes)];

        public double MedianRatio => Percentiles.Median(Ratios);

        public double MedianDifferenceNs => Percentiles.Median(Differences);

        public double MedianByteDifference => Percentiles.Median(ByteDifferences);

        public double BaselineMedianNs => Percentiles.Median([.. Baseline.Select(b => b.Nanoseconds)]);

        public double CandidateMedianNs => Percentiles.Median([.. Candidate.Select(b => b.Nanoseconds)]);

        public double BaselineMedianBytes => Percentiles.Median([.. Baseline.Select(b => b.Bytes)]);

        public double CandidateMedianBytes => Percentiles.Median([.. Candidate.Select(b => b.Bytes)]);

        /// <summary>The middle half of the round ratios, to show the spread behind the median.</summary>
        public string RatioSpread => $"rounds' interquartile range {Percentiles.Of(Ratios, 25):F3}–{Percentiles.Of(Ratios, 75):F3}";

        public string DifferenceSpread => $"rounds' interquartile range {Percentiles.Of(Differences, 25):F1}–{Percentiles.Of(Differences, 75):F1} ns";
    }
}
