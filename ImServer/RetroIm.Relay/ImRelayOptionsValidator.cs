using Microsoft.Extensions.Options;

namespace RetroIm.Relay;

/// <summary>Checks <see cref="ImRelayOptions"/> at start, so a bad setting stops the node with a message naming the key.</summary>
internal sealed class ImRelayOptionsValidator : IValidateOptions<ImRelayOptions>
{
    private static readonly TimeSpan MinSilentNodeTimeout = TimeSpan.FromMilliseconds(500);

    public ValidateOptionsResult Validate(string? name, ImRelayOptions options)
    {
        var failures = new List<string>();
        if (!string.IsNullOrWhiteSpace(options.Server) && !IsWebSocketUrl(options.Server))
        {
            failures.Add($"ImServer:Server must be an absolute ws:// or wss:// URL without query (for example ws://10.0.0.5:6001); got '{options.Server}'.");
        }
        if (options.NodeId is not null && (options.NodeId.Length == 0 || options.NodeId.Any(char.IsWhiteSpace)))
        {
            failures.Add("ImServer:NodeId must be non-empty and contain no whitespace (leave it out to use the host:port of ImServer:Server).");
        }
        foreach (var server in options.Servers ?? [])
        {
            if (!IsWebSocketUrl(server)) failures.Add($"ImServer:Servers entries must be absolute ws:// or wss:// URLs; got '{server}'.");
        }
        Positive(failures, "HeartbeatInterval", options.HeartbeatInterval);
        Positive(failures, "NodeTtl", options.NodeTtl);
        Positive(failures, "IdleTimeout", options.IdleTimeout);
        Positive(failures, "ShutdownTimeout", options.ShutdownTimeout);
        Positive(failures, "HeadTimeout", options.HeadTimeout);
        if (options.NodeTtl <= options.HeartbeatInterval)
        {
            failures.Add($"ImServer:NodeTtl ({options.NodeTtl}) must be longer than ImServer:HeartbeatInterval ({options.HeartbeatInterval}), or a live node expires between heartbeats (3× is a good ratio).");
        }
        if (options.SilentNodeTimeout < TimeSpan.Zero || (options.SilentNodeTimeout > TimeSpan.Zero && options.SilentNodeTimeout < MinSilentNodeTimeout))
        {
            failures.Add($"ImServer:SilentNodeTimeout must be zero (off) or at least {MinSilentNodeTimeout} (every node checks Redis every half of it, and a node whose subscriber reconnects after a dropped connection must not look dead); got {options.SilentNodeTimeout}.");
        }
        if (options.KeepAliveInterval < TimeSpan.Zero) failures.Add("ImServer:KeepAliveInterval must be zero (off) or positive.");
        if (options.KeepAliveTimeout < TimeSpan.Zero) failures.Add("ImServer:KeepAliveTimeout must be zero (off) or positive.");
        if (options.MaxFrameBytes <= 0) failures.Add($"ImServer:MaxFrameBytes must be positive; got {options.MaxFrameBytes}.");
        if (options.SendQueueLimit <= 0) failures.Add($"ImServer:SendQueueLimit must be positive; got {options.SendQueueLimit}.");
        ValidateLimits(failures, options);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsWebSocketUrl(string value)
    {
        return Uri.TryCreate(value, UriKind.Absolute, out var uri)
            && (uri.Scheme == "ws" || uri.Scheme == "wss")
            && string.IsNullOrEmpty(uri.Query)
            && string.IsNullOrEmpty(uri.Fragment);
    }

    private static void ValidateLimits(List<string> failures, ImRelayOptions options)
    {
        foreach (var origin in options.AllowedOrigins ?? [])
        {
            if (string.IsNullOrWhiteSpace(origin) || origin.Trim() == "*") continue;
            if (!Hosting.OriginPattern.TryParse(origin, out _, out var error)) failures.Add($"ImServer:AllowedOrigins: {error}.");
        }
        if (options.ConnectsPerSecondPerIp < 0) failures.Add($"ImServer:ConnectsPerSecondPerIp must be zero (off) or positive; got {options.ConnectsPerSecondPerIp}.");
        if (options.FramesPerSecond < 0) failures.Add($"ImServer:FramesPerSecond must be zero (off) or positive; got {options.FramesPerSecond}.");
        if (options.FramesPerSecond > 0 && options.FrameBurst < 1) failures.Add($"ImServer:FrameBurst must be at least 1; got {options.FrameBurst}.");
        if (options.ControlFramesPerSecond < 0) failures.Add($"ImServer:ControlFramesPerSecond must be zero (off) or positive; got {options.ControlFramesPerSecond}.");
        if (options.ControlFramesPerSecond > 0 && options.ControlFrameBurst < 1) failures.Add($"ImServer:ControlFrameBurst must be at least 1; got {options.ControlFrameBurst}.");
        if (options.MaxChannelsPerClient < 0) failures.Add($"ImServer:MaxChannelsPerClient must be zero (no limit) or positive; got {options.MaxChannelsPerClient}.");
    }

    private static void Positive(List<string> failures, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) failures.Add($"ImServer:{key} must be a positive duration such as \"00:00:05\"; got {value}.");
    }
}
