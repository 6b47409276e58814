namespace RetroIm.Bench;

/// <summary>
/// What the business publishes in one phase. Channel: <see cref="Messages"/> messages to the channel, sequences
/// FirstSeq…; direct: <see cref="Messages"/> rounds, message k to client k mod <see cref="Clients"/> with sequence
/// FirstSeq + k / Clients, so every client sees its own sequence grow by one per round.
/// </summary>
internal sealed record PublishPlan(bool Direct, long FirstSeq, int Messages, int Clients, double PerSecond, int Size)
{
    public long Total => Direct ? (long)Messages * Clients : Messages;

    /// <summary>
    /// The plan as the JSON line the Socket.IO publisher (publisher.js) and the floor's nodes take; <paramref name="room"/>
    /// is the channel's room (Socket.IO) and direct receivers are <paramref name="prefix"/> + index.
    /// </summary>
    public string ToCommand(string room, string prefix) => System.Text.Json.JsonSerializer.Serialize(new
    {
        kind = Direct ? "direct" : "chan", room, prefix, clients = Clients, firstSeq = FirstSeq, messages = Messages,
        perSecond = PerSecond, size = Size,
    });

    /// <summary>How long a publisher may take to answer the plan: three times its nominal length, plus 30 s.</summary>
    public TimeSpan AnswerBound => TimeSpan.FromSeconds(30 + Total / PerSecond * 3);
}
