using System.Buffers.Text;
using System.Text.Json;

namespace RetroIm.Relay.Connections;

/// <summary>
/// Parses the connect URL's <c>recover</c> parameter: base64url (no padding) of the UTF-8 JSON array
/// <c>[{"stream":"c:42","epoch":"…","offset":17},{"stream":"ch:retro:1",…}]</c>.
/// </summary>
internal static class RecoverRequest
{
    /// <summary>Enough for a client in a few dozen channels, well under Kestrel's request-line limit.</summary>
    public const int MaxParameterLength = 6144;

    public const int MaxPositions = 128;

    /// <summary>Null with <paramref name="error"/> set when the parameter is not a valid position list.</summary>
    public static RecoverPosition[]? Parse(string parameter, out string? error)
    {
        error = null;
        if (parameter.Length > MaxParameterLength)
        {
            error = "recover parameter too long";
            return null;
        }
        RecoverPosition[]? positions;
        try
        {
            var json = Base64Url.DecodeFromChars(parameter);
            positions = JsonSerializer.Deserialize(json, RecoverJsonContext.Default.RecoverPositionArray);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            error = "recover parameter is not base64url JSON";
            return null;
        }
        if (positions is null || positions.Length > MaxPositions)
        {
            error = $"recover parameter must be an array of at most {MaxPositions} positions";
            return null;
        }
        foreach (var position in positions)
        {
            if (position?.Stream is null || position.Epoch is null || position.Offset < 0)
            {
                error = "every position needs a stream, an epoch and an offset >= 0";
                return null;
            }
        }
        return positions;
    }
}
