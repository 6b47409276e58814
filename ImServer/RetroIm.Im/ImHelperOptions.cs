using System.Text.Json;

namespace RetroIm.Im;

/// <summary>
/// Settings of <see cref="ImClient"/>, bound from the configuration section <c>"ImHelper"</c>:
/// <code>
/// "ImHelper": { "Redis": "127.0.0.1:6379,prefix=im:", "Servers": [ "ws://10.0.0.5:6001" ], "TokenTtl": "00:00:30" }
/// </code>
/// </summary>
public sealed class ImHelperOptions
{
    /// <summary>
    /// The cluster's Redis, as a FreeRedis-style connection string (<c>"127.0.0.1:6379,password=…,prefix=im:"</c>).
    /// It must be the same Redis (and prefix) the ImServer nodes use. Empty: the in-memory backplane (embedded mode).
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// Optional allow-list of nodes, by URL (<c>ws://host:port</c>) or node id (<c>host:port</c>). When set, clients are
    /// routed only to live nodes in this list; the order of the list does not matter. Empty: every live node.
    /// </summary>
    public string[]? Servers { get; set; }

    /// <summary>How long a connect URL from <see cref="ImClient.PrevConnectServerAsync(string, string?, CancellationToken)"/> stays valid. Default 30 s.</summary>
    public TimeSpan TokenTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long <see cref="ImClient.SendMessageAsync(string?, IEnumerable{string}, object?, bool, CancellationToken)"/> with <c>receipt: true</c> waits for the nodes' reports. Default 5 s.</summary>
    public TimeSpan ReceiptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How message objects are turned into JSON (web defaults: camelCase properties). Not read from configuration;
    /// set it in code, before the first send.
    /// </summary>
    public JsonSerializerOptions JsonSerializerOptions { get; set; } = new(JsonSerializerDefaults.Web);
}
