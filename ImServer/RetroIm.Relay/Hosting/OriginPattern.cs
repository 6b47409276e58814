namespace RetroIm.Relay.Hosting;

/// <summary>
/// One <c>ImServer:AllowedOrigins</c> entry: <c>https://app.example.com</c>, <c>http://localhost:5173</c>, or
/// <c>https://*.example.com</c> (any subdomain, at any depth, but not example.com itself). Scheme, host and port
/// must all match; a missing port means the scheme's default.
/// </summary>
internal readonly record struct OriginPattern(string Scheme, string Host, int Port, bool AnySubdomain)
{
    public static bool TryParse(string? entry, out OriginPattern pattern, out string error)
    {
        pattern = default;
        error = "";
        var text = entry?.Trim().TrimEnd('/') ?? "";
        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            error = $"'{entry}' is not an origin like https://app.example.com or https://*.example.com";
            return false;
        }
        var scheme = text[..schemeEnd].ToLowerInvariant();
        var authority = text[(schemeEnd + 3)..];
        var wildcard = authority.StartsWith("*.", StringComparison.Ordinal);
        if (wildcard) authority = authority[2..];
        // Parse what is left as a URL, so ports and IDN hosts are read the way a browser's Origin header is.
        if (authority.Length == 0 || authority.Contains('/') || authority.Contains('*')
            || !Uri.TryCreate($"{scheme}://{authority}", UriKind.Absolute, out var uri)
            || uri.Host.Length == 0 || !string.IsNullOrEmpty(uri.UserInfo))
        {
            error = $"'{entry}' is not an origin: scheme://host[:port], no path, '*.' only at the start of the host";
            return false;
        }
        pattern = new OriginPattern(scheme, uri.IdnHost.ToLowerInvariant(), uri.Port, wildcard);
        return true;
    }

    public bool Matches(string scheme, string host, int port)
    {
        if (port != Port || !string.Equals(scheme, Scheme, StringComparison.Ordinal)) return false;
        if (!AnySubdomain) return string.Equals(host, Host, StringComparison.Ordinal);
        return host.Length > Host.Length + 1
            && host.EndsWith(Host, StringComparison.Ordinal)
            && host[host.Length - Host.Length - 1] == '.';
    }

    public override string ToString() => $"{Scheme}://{(AnySubdomain ? "*." : "")}{Host}:{Port}";
}
