namespace RetroIm.Bench;

/// <summary>
/// What the business publishes in one phase. Channel: <see cref="Messages"/> messages to the channel, sequences
/// FirstSeq…; direct: <see cref="Messages"/> rounds, message k to client k mod <see cref="Clients"/> with sequence
/// FirstSeq + k / Clients, so every client sees its own sequence grow by one per round.
/// </summary>
internal sealed record PublishPlan(bool Direct, long FirstSeq, int Messages, int Clients, double PerSecond, int Size)
{
    public long Total => Direct ? (long)Messages * Clients : Messages;
}
