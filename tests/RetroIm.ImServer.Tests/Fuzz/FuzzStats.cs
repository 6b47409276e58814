using System.Collections.Concurrent;

namespace RetroIm.ImServer.Tests.Fuzz;

/// <summary>What the fuzzers did, by kind, printed at the end of the run.</summary>
internal sealed class FuzzStats
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public void Count(string what) => _counts.AddOrUpdate(what, 1, static (_, n) => n + 1);

    public int this[string what] => _counts.TryGetValue(what, out var n) ? n : 0;

    public override string ToString()
        => string.Join(", ", _counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
}
