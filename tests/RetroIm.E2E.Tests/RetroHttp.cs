using System.Net.Http.Json;
using System.Text.Json;

namespace RetroIm.E2E.Tests;

/// <summary>Reads the server's state over the public HTTP API, the way any client would.</summary>
internal sealed class RetroHttp(HttpClient http) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<ServerBoard> GetBoardAsync(string retroId)
    {
        return await http.GetFromJsonAsync<ServerBoard>($"api/retros/{Uri.EscapeDataString(retroId)}", Json)
            ?? throw new InvalidOperationException($"GET /api/retros/{retroId} returned null.");
    }

    /// <summary>Every activity entry of the retro, oldest first (the API pages newest first).</summary>
    public async Task<IReadOnlyList<ServerActivity>> GetActivityAsync(string retroId)
    {
        var items = new List<ServerActivity>();
        long? before = null;
        do
        {
            var query = before is null ? "limit=50" : $"limit=50&before={before}";
            var page = await http.GetFromJsonAsync<ServerActivityPage>($"api/retros/{Uri.EscapeDataString(retroId)}/activity?{query}", Json)
                ?? throw new InvalidOperationException("The activity page was null.");
            items.AddRange(page.Items);
            before = page.Next;
        }
        while (before is not null);
        items.Reverse();
        return items;
    }

    public void Dispose() => http.Dispose();
}
