namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>
/// The running value of one label set of one instrument. Counters and up-down counters add, gauges keep the last
/// value, histograms count into buckets. Writers run on any thread without a lock; a scrape reads whatever is there.
/// </summary>
internal sealed class MetricSeries
{
    private long _long;
    private double _double;
    private double _sum;
    private readonly long[]? _buckets;

    public MetricSeries(KeyValuePair<string, string>[] labels, int bucketCount)
    {
        Labels = labels;
        if (bucketCount > 0) _buckets = new long[bucketCount];
    }

    /// <summary>The labels, sorted by name, values already turned into text.</summary>
    public KeyValuePair<string, string>[] Labels { get; }

    /// <summary>Integers add exactly: no floating-point loss and no compare-exchange loop on the hot path.</summary>
    public void Add(long value) => Interlocked.Add(ref _long, value);

    public void Add(double value) => AddDouble(ref _double, value);

    public void Set(double value)
    {
        Volatile.Write(ref _long, 0);
        Volatile.Write(ref _double, value);
    }

    /// <summary>Counts <paramref name="value"/> into the first bucket whose upper bound it does not exceed.</summary>
    public void Observe(double value, double[] bounds)
    {
        var i = 0;
        while (i < bounds.Length && value > bounds[i]) i++;
        Interlocked.Increment(ref _buckets![i]);
        AddDouble(ref _sum, value);
    }

    public double Value => Volatile.Read(ref _long) + Volatile.Read(ref _double);

    public double Sum => Volatile.Read(ref _sum);

    /// <summary>
    /// Cumulative counts per bound, the last one (+Inf) being the total; read once so that <c>_count</c> always equals
    /// the <c>+Inf</c> bucket even while measurements arrive.
    /// </summary>
    public long[] CumulativeBuckets()
    {
        var buckets = _buckets!;
        var cumulative = new long[buckets.Length];
        long total = 0;
        for (var i = 0; i < buckets.Length; i++)
        {
            total += Volatile.Read(ref buckets[i]);
            cumulative[i] = total;
        }
        return cumulative;
    }

    private static void AddDouble(ref double target, double value)
    {
        var current = Volatile.Read(ref target);
        while (true)
        {
            var seen = Interlocked.CompareExchange(ref target, current + value, current);
            // Compare bits: NaN never equals itself, and a NaN sum must not spin forever.
            if (BitConverter.DoubleToInt64Bits(seen) == BitConverter.DoubleToInt64Bits(current)) return;
            current = seen;
        }
    }
}
