using System.Text.Json;

namespace RetroIm.Relay.Commands;

/// <summary>One parsed command frame.</summary>
/// <param name="Target">The event name, or the channel.</param>
/// <param name="Data">The frame's <c>data</c> (independent of the receive buffer); JSON null when absent.</param>
/// <param name="AckId">When set, the node answers <c>{"type":"ack","ackId":…}</c> once done.</param>
internal sealed record ClientCommand(ClientCommandKind Kind, string Target, JsonElement Data, long? AckId);
