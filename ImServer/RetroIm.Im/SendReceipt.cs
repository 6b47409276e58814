namespace RetroIm.Im;

/// <summary>
/// What happened to a direct message sent with <c>receipt: true</c>, as reported by the nodes after they wrote it.
/// </summary>
/// <param name="MessageId">The message's <c>id</c>, as the receivers see it in the frame.</param>
/// <param name="Written">Receivers with at least one connection the message was written to.</param>
/// <param name="Offline">
/// Receivers it was not written to: no node held a connection for them, the connection closed before the write, or
/// their node did not report within <see cref="ImHelperOptions.ReceiptTimeout"/> (see <see cref="SilentNodes"/>).
/// </param>
/// <remarks>
/// "Written" means handed to the receiver's socket, not read by the application on the other end; pair it with an
/// application-level acknowledgement when that matters.
/// </remarks>
public sealed record SendReceipt(string MessageId, IReadOnlyList<string> Written, IReadOnlyList<string> Offline)
{
    /// <summary>Nodes the message was published to that did not report in time (usually empty).</summary>
    public IReadOnlyList<string> SilentNodes { get; init; } = [];

    /// <summary>
    /// Receivers whose client acknowledged the message (<c>{"type":"ack","stream":"c:…","offset":N}</c>) before the
    /// send returned: delivered to the application, not only written. Acknowledgements are optional for clients; see
    /// <see cref="ImHelperOptions.AckTimeout"/> for how long a send waits for them.
    /// </summary>
    public IReadOnlyList<string> Acked { get; init; } = [];
}
