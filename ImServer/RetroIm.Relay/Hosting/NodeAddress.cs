namespace RetroIm.Relay.Hosting;

/// <summary>Turns configured or listen URLs into the node's public URL and id.</summary>
internal static class NodeAddress
{
    /// <summary>The advertised base URL: as configured, without a trailing slash (clients append <c>/ws?token=…</c>).</summary>
    public static string NormaliseUrl(string server) => server.TrimEnd('/');

    /// <summary>The default node id: host:port plus the path when the node sits under one (behind a proxy).</summary>
    public static string DefaultNodeId(string url)
    {
        var uri = new Uri(url, UriKind.Absolute);
        var path = uri.AbsolutePath.TrimEnd('/');
        return uri.Host + ":" + uri.Port + path;
    }

    /// <summary>
    /// The WebSocket URL for one of Kestrel's listen addresses: http→ws, https→wss, and wildcard hosts (0.0.0.0, [::],
    /// +, *) → 127.0.0.1, because a wildcard is not an address a client can dial. Null when the address is not a URL.
    /// </summary>
    public static string? FromListenAddress(string address)
    {
        var scheme = address.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? "wss"
            : address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) ? "ws"
            : null;
        if (scheme is null) return null;
        var rest = address[(address.IndexOf("://", StringComparison.Ordinal) + 3)..];
        var slash = rest.IndexOf('/');
        var hostPort = slash < 0 ? rest : rest[..slash];
        var colon = hostPort.LastIndexOf(':');
        var host = colon > 0 && !hostPort.EndsWith(']') ? hostPort[..colon] : hostPort;
        var port = colon > 0 && !hostPort.EndsWith(']') ? hostPort[colon..] : "";
        if (host is "0.0.0.0" or "[::]" or "+" or "*") host = "127.0.0.1";
        return scheme + "://" + host + port;
    }
}
