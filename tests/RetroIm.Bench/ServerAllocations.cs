using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>
/// What the server processes allocated and collected so far, summed over the live nodes (RetroIm: <c>GET /debug/alloc</c>
/// on bench nodes, <see cref="ServerDebug"/>; the floor: its <c>alloc</c> command). A delivery phase reads it before and after for
/// <c>alloc_bytes_per_delivery</c>, <c>gc_collections</c> and <c>gc_pause_ms</c>.
/// </summary>
internal sealed record ServerAllocations(long AllocatedBytes, long Collections, long PauseMs)
{
    /// <summary>One node's answer: <c>{"allocatedBytes","gen0","gen1","gen2","pauseMs"}</c> (gen0 counts every collection).</summary>
    public static ServerAllocations Parse(JsonElement json)
        => new(json.GetProperty("allocatedBytes").GetInt64(), json.GetProperty("gen0").GetInt64(), json.GetProperty("pauseMs").GetInt64());

    public static ServerAllocations Sum(IEnumerable<ServerAllocations> nodes)
        => nodes.Aggregate(new ServerAllocations(0, 0, 0), (a, b) => new(a.AllocatedBytes + b.AllocatedBytes, a.Collections + b.Collections, a.PauseMs + b.PauseMs));
}
