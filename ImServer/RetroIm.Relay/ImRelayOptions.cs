namespace RetroIm.Relay;

/// <summary>
/// Settings of one relay node, bound from the <c>ImServer</c> configuration section (appsettings, environment
/// <c>ImServer__Server</c>, command line <c>--ImServer:Server=…</c>). Durations are TimeSpan strings ("00:00:05").
/// </summary>
public sealed class ImRelayOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ImServer";

    /// <summary>
    /// Redis connection string of the cluster (FreeRedis style, <c>127.0.0.1:6379,password=…,prefix=…</c>); empty means the
    /// in-memory backplane (one embedded node). Read by the host when it registers the backplane.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>
    /// The public base URL clients connect to, <c>ws://host:port</c> or <c>wss://host</c> (no <c>/ws</c>). When empty the
    /// node advertises its own listen address (http→ws, https→wss, wildcard hosts → 127.0.0.1), which suits one machine.
    /// </summary>
    public string? Server { get; set; }

    /// <summary>This node's id in Redis; defaults to the host:port (plus path, if any) of <see cref="Server"/>.</summary>
    public string? NodeId { get; set; }

    /// <summary>
    /// Optional static list of node URLs ImHelper routes over instead of the live node list; the relay only checks that
    /// its own <see cref="Server"/> is in it.
    /// </summary>
    public string[]? Servers { get; set; }

    /// <summary>How often the node refreshes its registration and reaps expired nodes.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a registration lives without a heartbeat; a dead node's clients go offline within 2× this.</summary>
    public TimeSpan NodeTtl { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// A listed node that nobody has been subscribed to the inbox topic of for this long is reaped without waiting for
    /// <see cref="NodeTtl"/>: Redis drops a node's subscriber connection the moment its process dies, so the clients of
    /// a crashed node can reconnect elsewhere (and go offline) within about this, not 15–30 s. Each node checks every
    /// half of it. A node that is only slow (GC, CPU) keeps its connection and is never reaped this way; one that lost
    /// Redis for this long is, and registers again with its connections when it is back. Zero turns it off.
    /// </summary>
    public TimeSpan SilentNodeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The largest text frame a client may send; a larger one closes the socket with 1009.</summary>
    public int MaxFrameBytes { get; set; } = 65536;

    /// <summary>Frames queued for one connection before it counts as a slow consumer and is closed with 1013.</summary>
    public int SendQueueLimit { get; set; } = 1024;

    /// <summary>
    /// The ImServer host accepts its TCP connections itself and answers WebSocket upgrades to <c>/ws</c> before HTTP,
    /// running them on the bare socket (about half the memory per idle connection); false leaves every connection to
    /// Kestrel and upgrades to the HTTP endpoint. Read by the host (see
    /// <see cref="ImRelayWebHostBuilderExtensions.UseImRelayListener"/>); embedding apps opt in themselves.
    /// </summary>
    public bool DirectUpgrade { get; set; } = true;

    /// <summary>
    /// On Linux with io_uring, the frames of one fan-out (a channel message, a broadcast, a batch of direct messages)
    /// that can go to their sockets at once are handed to the kernel together, up to 256 sends per system call, instead
    /// of one <c>send</c> call each: the same bytes, less CPU per delivery. Where io_uring is missing or refused (an old
    /// kernel, <c>kernel.io_uring_disabled</c>, a container's seccomp profile) the node says so in its log and sends one
    /// call per delivery; false does that everywhere.
    /// </summary>
    public bool BatchedSends { get; set; } = true;

    /// <summary>
    /// With <see cref="DirectUpgrade"/>: how long a new TCP connection may take to send its whole request head before
    /// it is answered 408 and closed (a slow-loris client holds a socket no longer than this). HTTP requests handed to
    /// Kestrel then follow Kestrel's own limits.
    /// </summary>
    public TimeSpan HeadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The server sends a WebSocket PING after this much silence from the client (browsers answer with PONG by
    /// themselves; anything the client sends resets it); zero disables. Sockets the relay upgrades itself are checked
    /// by one node-wide sweep, not a timer per socket, and (with a <see cref="KeepAliveTimeout"/>, on Linux) get no
    /// PING while the node writes to them: the kernel aborts such a socket when what it wrote stays unacknowledged for
    /// this interval plus the timeout (<c>TCP_USER_TIMEOUT</c>), so a vanished peer is found as soon as a silent one.
    /// </summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long the server waits for the PONG to a keep-alive PING before it aborts the socket as half-open; zero only
    /// sends PINGs without expecting answers. With it (on Linux) the kernel also aborts a relay-upgraded socket whose
    /// peer acknowledges none of the node's writes, or keeps its receive window shut, for
    /// <see cref="KeepAliveInterval"/> plus this.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The keep-alive PONG timeout both transports use: off (infinite) unless PINGs are on too.</summary>
    internal TimeSpan EffectiveKeepAliveTimeout =>
        KeepAliveTimeout > TimeSpan.Zero && KeepAliveInterval > TimeSpan.Zero ? KeepAliveTimeout : Timeout.InfiniteTimeSpan;

    /// <summary>
    /// A connection that sends no frame for this long is closed with 4002. Clients keep the connection by sending
    /// <c>{"type":"ping"}</c> (the SDKs do every 20 s); WebSocket PONGs do not count.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>How long a graceful shutdown may take to close sockets (1012) and deregister the node.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// Web pages allowed to connect, by their <c>Origin</c>: <c>https://app.example.com</c>, <c>https://*.example.com</c>
    /// (any subdomain). Empty (or <c>*</c>): any origin. A handshake from a browser page not listed gets 403; requests
    /// without an Origin header (non-browser clients) pass.
    /// </summary>
    public string[]? AllowedOrigins { get; set; }

    /// <summary>
    /// Connections this node holds at most; a handshake beyond it gets 503 with Retry-After (the token stays
    /// unredeemed). Zero (the default): the process's open-file limit less <see cref="ConnectionLimit.ReservedFiles"/> (a tenth, at most 1,000),
    /// so a reconnect storm is refused at the handshake instead of exhausting file descriptors (which starves the
    /// node's Redis links and accept loop). Negative: no limit.
    /// </summary>
    public int MaxConnections { get; set; }

    /// <summary>Connect attempts per second per remote IP (IPv6: per /64), burst the same; over it → 429 with Retry-After. Zero: off.</summary>
    public int ConnectsPerSecondPerIp { get; set; } = 50;

    /// <summary>
    /// Apply <see cref="ConnectsPerSecondPerIp"/> to loopback addresses too. Off by default: behind a proxy on the same
    /// host every user comes from 127.0.0.1.
    /// </summary>
    public bool RateLimitLoopback { get; set; }

    /// <summary>Frames per second a connection may send on average; over it (after <see cref="FrameBurst"/>) → close 1008 "rate limit". Zero: off.</summary>
    public int FramesPerSecond { get; set; } = 50;

    /// <summary>How many frames a connection may send at once before <see cref="FramesPerSecond"/> applies.</summary>
    public int FrameBurst { get; set; } = 100;

    /// <summary>
    /// Acks and pings a connection may send per second on average, counted apart from <see cref="FramesPerSecond"/>:
    /// a client acking every message of a busy stream is doing what it should, so it gets a generous budget of its own;
    /// over it (after <see cref="ControlFrameBurst"/>) → close 1008 "ack rate limit", since a flood of them is still abuse. Zero: off.
    /// </summary>
    public int ControlFramesPerSecond { get; set; } = 1000;

    /// <summary>How many acks and pings a connection may send at once before <see cref="ControlFramesPerSecond"/> applies.</summary>
    public int ControlFrameBurst { get; set; } = 2000;

    /// <summary>
    /// The most channels this node forwards to one client; further channels are not indexed here (and counted). Keep it
    /// at least <c>ImHelper:MaxChannelsPerClient</c>, which refuses the join itself. Zero: no limit.
    /// </summary>
    public int MaxChannelsPerClient { get; set; } = 100;

    /// <summary>
    /// Over how long a drain (<c>imctl drain</c>) spreads its clients' reconnects: each gets
    /// <c>{"type":"reconnect","afterMs":…}</c> with a random delay up to this, so the other nodes see no reconnect
    /// storm. SIGTERM drains the same way within a quarter of <see cref="ShutdownTimeout"/>.
    /// </summary>
    public TimeSpan DrainWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long after its <c>afterMs</c> a draining node waits for a client to move by itself before closing it with
    /// 1012. Clients open the new connection before closing the old one, so presence does not flicker — unless this
    /// runs out first (a throttled background tab, a slow URL provider). A drain takes DrainWindow + DrainGrace at most.
    /// </summary>
    public TimeSpan DrainGrace { get; set; } = TimeSpan.FromSeconds(5);
}
