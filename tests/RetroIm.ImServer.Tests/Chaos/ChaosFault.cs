namespace RetroIm.ImServer.Tests.Chaos;

/// <summary>
/// One injected fault and the clients it hit. It is recovered at the first instant T (polled) at which every affected
/// client is connected (welcomed after the fault, when the fault cut its socket) and holds every message addressed to
/// it that ImHelper accepted up to T − <see cref="DeliveryLag"/>, a cutoff past at least one message accepted after
/// the fault; the recovery time is T − fault instant, so it is an upper bound by up to the poll interval plus the lag.
/// </summary>
internal sealed class ChaosFault(string name, long atTicks, IReadOnlyList<ChaosClient> affected, bool cutsSockets)
{
    /// <summary>Time a live message may take to arrive; messages younger than that are not waited for.</summary>
    public static readonly TimeSpan DeliveryLag = TimeSpan.FromMilliseconds(300);

    public string Name { get; } = name;

    public long AtTicks { get; } = atTicks;

    public int AffectedCount => affected.Count;

    public TimeSpan? RecoveredAfter { get; private set; }

    /// <summary>Checks the fault at <paramref name="nowTicks"/>; true once recovered.</summary>
    public bool Check(ChaosLedger ledger, long nowTicks)
    {
        if (RecoveredAfter is not null) return true;
        var cutoff = nowTicks - DeliveryLag.Ticks;
        var firstAcceptedAfterTicks = ledger.FirstAcceptedAfter(AtTicks);
        if (firstAcceptedAfterTicks == 0 || cutoff < firstAcceptedAfterTicks) return false;
        foreach (var client in affected)
        {
            if (!client.Open || (cutsSockets && client.WelcomedAtTicks < AtTicks) || !ledger.CaughtUp(client, cutoff)) return false;
        }
        RecoveredAfter = TimeSpan.FromTicks(nowTicks - AtTicks);
        return true;
    }
}
