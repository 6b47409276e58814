using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RetroIm.Relay.Connections;

namespace RetroIm.Relay.Transport;

/// <summary>
/// Kestrel's transport when <see cref="ImRelayWebHostBuilderExtensions.UseImRelayListener"/> is on: TCP endpoints are
/// bound by <see cref="RelayListener"/> (which answers upgrades to the relay path itself and hands everything else to
/// Kestrel); other endpoints (Unix sockets, inherited handles) are bound by Kestrel's own socket transport. The
/// socket transport's options (backlog, no-delay, buffer limits) apply to both.
/// </summary>
internal sealed class RelayListenerFactory : IConnectionListenerFactory
{
    private readonly SocketTransportOptions _options;
    private readonly SocketTransportFactory _sockets;
    private readonly RelayHandshake _handshake;
    private readonly ConnectionRunner _runner;
    private readonly TimeSpan _headTimeout;
    private readonly string _path;
    private readonly ILoggerFactory _loggers;

    public RelayListenerFactory(IOptions<SocketTransportOptions> options, ILoggerFactory loggers, RelayHandshake handshake,
        ConnectionRunner runner, TimeSpan headTimeout, string path)
    {
        _options = options.Value;
        _sockets = new SocketTransportFactory(options, loggers);
        _handshake = handshake;
        _runner = runner;
        _headTimeout = headTimeout;
        _path = path;
        _loggers = loggers;
    }

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint) return _sockets.BindAsync(endpoint, cancellationToken);
        Socket listenSocket;
        try
        {
            listenSocket = _options.CreateBoundListenSocket(endpoint);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            // Kestrel's own error for it (and what lets "localhost" fall back when one of its addresses is taken).
            throw new AddressInUseException(e.Message, e);
        }
        try
        {
            listenSocket.Listen(_options.Backlog);
        }
        catch
        {
            listenSocket.Dispose();
            throw;
        }
        var http = new SocketConnectionContextFactory(new SocketConnectionFactoryOptions
        {
            IOQueueCount = _options.IOQueueCount,
            WaitForDataBeforeAllocatingBuffer = _options.WaitForDataBeforeAllocatingBuffer,
            MaxReadBufferSize = _options.MaxReadBufferSize,
            MaxWriteBufferSize = _options.MaxWriteBufferSize,
            UnsafePreferInlineScheduling = _options.UnsafePreferInlineScheduling,
        }, _loggers.CreateLogger<SocketConnectionContextFactory>());
        IConnectionListener listener = new RelayListener(listenSocket, http, _handshake, _runner, _headTimeout, _options.NoDelay, _path,
            _loggers.CreateLogger<RelayListener>());
        return ValueTask.FromResult(listener);
    }
}
