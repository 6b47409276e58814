using System.Text.Json;

namespace RetroIm.WebApi.Tests;

internal static class JsonExtensions
{
    public static string Str(this JsonElement element, string property) => element.GetProperty(property).GetString()!;

    /// <summary>The <c>id</c>s of a board column (previous, current, next) in order.</summary>
    public static IReadOnlyList<string> Ids(this JsonElement board, string column) =>
        [.. board.GetProperty(column).EnumerateArray().Select(t => t.Str("id"))];
}
