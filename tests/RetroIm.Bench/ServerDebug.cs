using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>
/// The bench nodes' debug endpoints over HTTP, one node after the other: <c>POST /debug/gc</c> (RetroIm with
/// <c>ImServer:DebugEndpoints</c>, and the Socket.IO peer's server.js) and <c>GET /debug/alloc</c> (RetroIm).
/// </summary>
internal static class ServerDebug
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A full GC in each server.</summary>
    public static async Task<bool> CollectGarbageAsync(IEnumerable<int> ports)
    {
        foreach (var port in ports)
        {
            using var response = await Http.PostAsync($"http://127.0.0.1:{port}/debug/gc", null);
            response.EnsureSuccessStatusCode();
        }
        return true;
    }

    /// <summary>What the servers allocated and collected so far, summed.</summary>
    public static async Task<ServerAllocations> AllocationsAsync(IEnumerable<int> ports)
    {
        var nodes = new List<ServerAllocations>();
        foreach (var port in ports)
        {
            using var json = JsonDocument.Parse(await Http.GetStringAsync($"http://127.0.0.1:{port}/debug/alloc"));
            nodes.Add(ServerAllocations.Parse(json.RootElement));
        }
        return ServerAllocations.Sum(nodes);
    }
}
