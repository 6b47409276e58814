using System.Text.Encodings.Web;
using System.Text.Json;

namespace RetroIm.ImCtl;

/// <summary>Writes results to stdout and errors to stderr, each as one indented JSON document.</summary>
internal static class JsonOut
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        // Output is for terminals and scripts, not HTML: keep <, > and quotes readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Result(object value)
    {
        if (value is PlainText text) Console.Out.Write(text.Text);
        else Console.Out.WriteLine(JsonSerializer.Serialize(value, value.GetType(), Options));
    }

    public static void Error(string message, string kind) => Console.Error.WriteLine(JsonSerializer.Serialize(new { error = message, kind }, Options));

    /// <summary>Parses a command-line JSON argument into the payload to send.</summary>
    public static JsonElement ParsePayload(string text, string argumentName)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new UsageException($"<{argumentName}> must be JSON (quote a string as '\"text\"'): {e.Message}");
        }
    }
}
