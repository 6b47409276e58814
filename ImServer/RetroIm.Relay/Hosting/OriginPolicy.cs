using Microsoft.Extensions.Options;

namespace RetroIm.Relay.Hosting;

/// <summary>
/// <c>ImServer:AllowedOrigins</c>: which web pages may open a connection. Browsers always send <c>Origin</c> with a
/// WebSocket handshake and scripts cannot forge it, so this stops another site from connecting with a URL it got hold
/// of (cross-site WebSocket hijacking). Empty or containing <c>*</c>: every origin. A request without <c>Origin</c>
/// is not from a browser (the .NET SDK, a server, curl) and passes: such clients can send any header they like, so
/// refusing them would protect nothing — the single-use token is what authenticates.
/// </summary>
internal sealed class OriginPolicy
{
    private readonly OriginPattern[] _patterns;

    public OriginPolicy(IOptions<ImRelayOptions> options)
        : this(options.Value.AllowedOrigins)
    {
    }

    internal OriginPolicy(IReadOnlyList<string>? allowed)
    {
        var patterns = new List<OriginPattern>();
        foreach (var entry in allowed ?? [])
        {
            if (string.IsNullOrWhiteSpace(entry)) continue;
            if (entry.Trim() == "*")
            {
                patterns.Clear();
                break;
            }
            // The options validator has already refused bad entries at start; skip rather than throw here.
            if (OriginPattern.TryParse(entry, out var pattern, out _)) patterns.Add(pattern);
        }
        _patterns = [.. patterns];
    }

    /// <summary>False when no origin is configured, so the check costs nothing.</summary>
    public bool IsEnabled => _patterns.Length > 0;

    public bool IsAllowed(string? origin)
    {
        if (_patterns.Length == 0 || string.IsNullOrEmpty(origin)) return true;
        // "null" (sandboxed frames, file: pages) and anything unparsable match nothing.
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Host.Length == 0) return false;
        var scheme = uri.Scheme.ToLowerInvariant();
        var host = uri.IdnHost.ToLowerInvariant();
        foreach (var pattern in _patterns)
        {
            if (pattern.Matches(scheme, host, uri.Port)) return true;
        }
        return false;
    }
}
