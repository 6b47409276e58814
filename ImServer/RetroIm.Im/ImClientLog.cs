using Microsoft.Extensions.Logging;

namespace RetroIm.Im;

internal static partial class ImClientLog
{
    [LoggerMessage(1, LogLevel.Debug, "Issued a connect ticket for client {ClientId} on node {NodeId}")]
    public static partial void TicketIssued(ILogger logger, string clientId, string nodeId);

    [LoggerMessage(2, LogLevel.Warning, "An ImClient {EventName} handler threw; the other handlers still ran")]
    public static partial void EventHandlerFailed(ILogger logger, string eventName, Exception exception);

    [LoggerMessage(3, LogLevel.Warning, "Dropped a presence event that is not valid JSON ({Length} bytes)")]
    public static partial void BadPresenceEvent(ILogger logger, int length, Exception? exception);

    [LoggerMessage(4, LogLevel.Warning, "Dropped a receipt report that is not valid JSON ({Length} bytes)")]
    public static partial void BadReceiptReport(ILogger logger, int length, Exception? exception);

    [LoggerMessage(5, LogLevel.Warning, "Message {MessageId}: nodes {Nodes} did not report a receipt within {Timeout}; their receivers are counted offline")]
    public static partial void ReceiptTimedOut(ILogger logger, string messageId, string nodes, TimeSpan timeout);

    [LoggerMessage(6, LogLevel.Warning, "Subscribing to presence events failed; the subscription is retried when the backplane reconnects")]
    public static partial void EventsSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(7, LogLevel.Debug, "Unsubscribing {Topic} while disposing failed")]
    public static partial void UnsubscribeFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(8, LogLevel.Warning, "Subscribing to node changes failed; connect URLs read the node list every time until the backplane resubscribes")]
    public static partial void NodeChangesSubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(40, LogLevel.Warning, "A handler of client event {EventName} ({EventId}) threw; the event stays unacknowledged and is delivered again after ImHelper:EventsClaimAfter")]
    public static partial void ClientEventHandlerFailed(ILogger logger, string eventName, string eventId, Exception exception);

    [LoggerMessage(41, LogLevel.Warning, "Reading client events failed; retrying")]
    public static partial void ClientEventsReadFailed(ILogger logger, Exception exception);
}
