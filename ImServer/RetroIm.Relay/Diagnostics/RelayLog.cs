using Microsoft.Extensions.Logging;

namespace RetroIm.Relay.Diagnostics;

/// <summary>Every log line of the relay. Tokens are never logged: at most their first 4 characters.</summary>
internal static partial class RelayLog
{
    [LoggerMessage(1, LogLevel.Information, "ImServer node {NodeId} at {Url} ({Backplane} backplane, registered: {Registered})")]
    public static partial void NodeStarted(ILogger logger, string nodeId, string url, string backplane, bool registered);

    [LoggerMessage(2, LogLevel.Information, "ImServer:Server is not set; advertising the listen address {Url}")]
    public static partial void ServerDerived(ILogger logger, string url);

    [LoggerMessage(3, LogLevel.Warning, "This node's URL {Url} is not in ImServer:Servers; clients routed by that list will never reach it")]
    public static partial void NotInServers(ILogger logger, string url);

    [LoggerMessage(4, LogLevel.Warning, "Heartbeat or reap failed, retrying next tick: {Error}")]
    public static partial void HeartbeatFailed(ILogger logger, string error);

    [LoggerMessage(5, LogLevel.Information, "Reaped {Count} expired node(s): {NodeIds}")]
    public static partial void Reaped(ILogger logger, int count, string nodeIds);

    [LoggerMessage(8, LogLevel.Warning, "Reaped {Count} node(s) nobody had been listening to for {TimeoutMs} ms (process gone or cut off from Redis): {NodeIds}")]
    public static partial void ReapedSilent(ILogger logger, int count, long timeoutMs, string nodeIds);

    [LoggerMessage(6, LogLevel.Warning, "The backplane had forgotten this node; registering {Count} live connection(s) again")]
    public static partial void Resync(ILogger logger, int count);

    [LoggerMessage(7, LogLevel.Warning, "Subscribing or unsubscribing {Topic} failed, retrying next heartbeat")]
    public static partial void SubscriptionFailed(ILogger logger, string topic, Exception error);

    [LoggerMessage(10, LogLevel.Debug, "Connection {ConnectionId} of client {ClientId} open")]
    public static partial void Connected(ILogger logger, string connectionId, string clientId);

    [LoggerMessage(11, LogLevel.Debug, "Connection {ConnectionId} of client {ClientId} closed ({CloseStatus})")]
    public static partial void Disconnected(ILogger logger, string connectionId, string clientId, int closeStatus);

    [LoggerMessage(12, LogLevel.Information, "Refused a connection with {Status} ({Reason}), token {TokenHint}")]
    public static partial void RefusedToken(ILogger logger, int status, string reason, string tokenHint);

    [LoggerMessage(21, LogLevel.Debug, "Refused a request with {Status} ({Reason})")]
    public static partial void Refused(ILogger logger, int status, string reason);

    [LoggerMessage(13, LogLevel.Warning, "Redeeming a connect token failed; answered 503")]
    public static partial void RedeemFailed(ILogger logger, Exception error);

    [LoggerMessage(14, LogLevel.Warning, "Registering connection {ConnectionId} of client {ClientId} failed; closed it with 1011")]
    public static partial void RegisterFailed(ILogger logger, string connectionId, string clientId, Exception error);

    [LoggerMessage(15, LogLevel.Warning, "Removing connection {ConnectionId} from presence failed")]
    public static partial void PresenceFailed(ILogger logger, string connectionId, Exception error);

    [LoggerMessage(44, LogLevel.Warning, "Connection {ConnectionId} of client {ClientId} failed; dropped it")]
    public static partial void RunFailed(ILogger logger, string connectionId, string clientId, Exception error);

    [LoggerMessage(16, LogLevel.Debug, "Connection {ConnectionId} failed: {Error}")]
    public static partial void ConnectionFailed(ILogger logger, string connectionId, string error);

    [LoggerMessage(17, LogLevel.Debug, "Connection {ConnectionId} sent a bad frame: {Error}")]
    public static partial void BadClientFrame(ILogger logger, string connectionId, string? error);

    [LoggerMessage(18, LogLevel.Warning, "Connection {ConnectionId} of client {ClientId} is a slow consumer (send queue full); closed it with 1013")]
    public static partial void SlowConsumer(ILogger logger, string connectionId, string clientId);

    [LoggerMessage(19, LogLevel.Debug, "Connection {ConnectionId} of client {ClientId} was idle too long; closing with 4002")]
    public static partial void IdleClosed(ILogger logger, string connectionId, string clientId);

    [LoggerMessage(24, LogLevel.Debug, "Connection {ConnectionId} of client {ClientId} did not answer a keep-alive PING in time; aborted it")]
    public static partial void KeepAliveTimedOut(ILogger logger, string connectionId, string clientId);

    [LoggerMessage(20, LogLevel.Information, "Forcing client {ClientId} offline: closing {Count} connection(s) with 4001")]
    public static partial void Kicked(ILogger logger, string clientId, int count);

    [LoggerMessage(30, LogLevel.Warning, "Dropped a bad packet on {Topic}: {Reason}")]
    public static partial void BadPacket(ILogger logger, string topic, string reason);

    [LoggerMessage(31, LogLevel.Error, "Dispatching a packet on {Topic} failed")]
    public static partial void DispatchFailed(ILogger logger, string topic, Exception error);

    [LoggerMessage(32, LogLevel.Warning, "Publishing the receipt of message {MessageId} failed")]
    public static partial void ReceiptFailed(ILogger logger, string messageId, Exception error);

    [LoggerMessage(40, LogLevel.Information, "Shutting down: closing {Count} connection(s) with 1012")]
    public static partial void Draining(ILogger logger, int count);

    [LoggerMessage(41, LogLevel.Warning, "{Count} connection(s) did not finish the close handshake in time; aborting them")]
    public static partial void DrainAborting(ILogger logger, int count);

    [LoggerMessage(42, LogLevel.Warning, "Removing the node from the backplane failed; other nodes reap it after its TTL")]
    public static partial void DeregisterFailed(ILogger logger, Exception error);

    [LoggerMessage(43, LogLevel.Information, "Node {NodeId} drained and deregistered in {ElapsedMs} ms")]
    public static partial void Drained(ILogger logger, string nodeId, long elapsedMs);

    [LoggerMessage(33, LogLevel.Information, "Batched sends on: a fan-out hands the kernel up to {PerCall} sends per system call (io_uring)")]
    public static partial void BatchedSendsOn(ILogger logger, int perCall);

    [LoggerMessage(34, LogLevel.Information, "Batched sends off: {Reason}; a fan-out makes one send call per delivery")]
    public static partial void BatchedSendsOff(ILogger logger, string reason);

    [LoggerMessage(35, LogLevel.Error, "Completing a batched send failed")]
    public static partial void BatchedSendFailed(ILogger logger, Exception error);
}
