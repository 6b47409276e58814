using System.Text.Json;
using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Relay.Commands;
using RetroIm.Relay.Diagnostics;

namespace RetroIm.Relay.Routing;

internal sealed partial class RelayDispatcher
{
    /// <summary>
    /// Grant/revoke: changes the rights of the addressed clients' local connections, then (with a receipt topic)
    /// reports which of them it holds, so <c>ImClient.GrantAsync</c> returns once the change is in effect.
    /// </summary>
    private void ChangeRights(string topic, RelayHeader header, ReadOnlyMemory<byte> body)
    {
        if (header.To is not { } to || !TryReadRights(body.Span, out var rights))
        {
            RelayLog.BadPacket(_logger, topic, "grant/revoke without receivers or a JSON array of rights");
            return;
        }
        var grant = header.Kind == RelayPacketKind.Grant;
        var local = new List<string>(to.Count);
        foreach (var clientId in to)
        {
            var connections = _index.GetClientConnections(clientId);
            foreach (var connection in connections) connection.ChangeRights(rights, grant);
            if (connections.Length > 0) local.Add(clientId);
            ClientCommandLog.RightsChanged(_logger, clientId, grant ? "grant" : "revoke", connections.Length);
        }
        if (header.ReceiptTopic is { } receiptTopic && header.Id is { } id) PublishReceipt(receiptTopic, new ReceiptReport(id, _node.Id ?? "", local));
    }

    private static bool TryReadRights(ReadOnlySpan<byte> body, out List<string> rights)
    {
        rights = [];
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.String) rights.Add(reader.GetString()!);
            return reader.TokenType == JsonTokenType.EndArray;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
