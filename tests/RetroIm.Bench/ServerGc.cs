namespace RetroIm.Bench;

/// <summary>The servers' <c>POST /debug/gc</c> (both systems serve it on bench nodes): a full GC in each, one after the other.</summary>
internal static class ServerGc
{
    public static async Task<bool> CollectAsync(IEnumerable<int> ports)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var port in ports)
        {
            using var response = await http.PostAsync($"http://127.0.0.1:{port}/debug/gc", null);
            response.EnsureSuccessStatusCode();
        }
        return true;
    }
}
