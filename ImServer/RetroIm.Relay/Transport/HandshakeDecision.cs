using RetroIm.Im.Backplane;
using RetroIm.Relay.Hosting;

namespace RetroIm.Relay.Transport;

/// <summary>
/// What <see cref="RelayHandshake"/> decided about one <c>/ws</c> request: accept with the redeemed
/// <see cref="Ticket"/>, or refuse with <see cref="Status"/> and either a text <see cref="Message"/> or a
/// <see cref="WrongNode"/> JSON body. Each transport only renders it.
/// </summary>
internal sealed record HandshakeDecision(
    int Status,
    string Reason,
    string? Message,
    ConnectTicket? Ticket = null,
    WrongNodeResponse? WrongNode = null,
    int RetryAfterSeconds = 0)
{
    public static HandshakeDecision Accept(ConnectTicket ticket) => new(101, "accepted", null, ticket);
}
