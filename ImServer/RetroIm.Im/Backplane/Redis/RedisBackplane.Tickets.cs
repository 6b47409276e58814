using System.Text.Json;

namespace RetroIm.Im.Backplane;

public sealed partial class RedisBackplane
{
    private static readonly TicketRedeemResult Unknown = new(TicketStatus.Unknown);

    public async Task StoreTicketAsync(string token, ConnectTicket ticket, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(ticket);
        var json = JsonSerializer.SerializeToUtf8Bytes(ticket, ImJsonContext.Default.ConnectTicket);
        await _client.ExecuteAsync("SET", [_keys.Ticket(token), json, "PX", TtlMs(ttl)], cancellationToken).ConfigureAwait(false);
    }

    public async Task<TicketRedeemResult> RedeemTicketAsync(string token, string nodeId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(nodeId);
        var reply = await _client.EvalAsync(RedisScripts.RedeemTicket, [_keys.Ticket(token)], [nodeId], cancellationToken).ConfigureAwait(false);
        var status = reply.Items[0].AsInt64();
        if (status == 0) return Unknown;
        var ticket = JsonSerializer.Deserialize(reply.Items[1].AsBytes()!, ImJsonContext.Default.ConnectTicket)
            ?? throw new JsonException("A stored connect ticket is JSON null.");
        return status == 1
            ? new TicketRedeemResult(TicketStatus.Ok, ticket)
            : new TicketRedeemResult(TicketStatus.WrongNode, OwnerNodeId: ticket.NodeId);
    }
}
