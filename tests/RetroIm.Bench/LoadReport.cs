using System.Text.Json;

namespace RetroIm.Bench;

/// <summary>The load generators' reports merged: counters summed, latency histograms added, extremes kept.</summary>
internal sealed class LoadReport
{
    public LatencyHistogram Latency { get; } = new();
    public LatencyTimeline Timeline { get; } = new();
    public long Received { get; private set; }
    public long Duplicated { get; private set; }
    public long MinLastSeq { get; private set; } = long.MaxValue;
    public long LastMessageAt { get; private set; }
    public long Connected { get; private set; }
    public long Disconnects { get; private set; }
    public long Reconnects { get; private set; }
    public long LastReconnectAt { get; private set; }
    public long Recovered { get; private set; }
    public long RecoverFailed { get; private set; }
    public double LoadGenCpu { get; private set; }
    public List<string> Errors { get; } = [];

    public void Add(JsonElement r)
    {
        Received += r.GetProperty("received").GetInt64();
        Duplicated += r.GetProperty("duplicated").GetInt64();
        MinLastSeq = Math.Min(MinLastSeq, r.GetProperty("min_last_seq").GetInt64());
        LastMessageAt = Math.Max(LastMessageAt, r.GetProperty("last_message_at_us").GetInt64());
        Connected += r.GetProperty("connected").GetInt64();
        Disconnects += r.GetProperty("disconnects").GetInt64();
        Reconnects += r.GetProperty("reconnects").GetInt64();
        LastReconnectAt = Math.Max(LastReconnectAt, r.GetProperty("last_reconnect_at_us").GetInt64());
        Recovered += r.GetProperty("recovered").GetInt64();
        RecoverFailed += r.GetProperty("recover_failed").GetInt64();
        LoadGenCpu += r.GetProperty("cpu_s").GetDouble();
        foreach (var e in r.GetProperty("errors").EnumerateArray()) Errors.Add(e.GetString() ?? "");
        Latency.AddSparse(r.GetProperty("hist").EnumerateArray().Select(p => new[] { p[0].GetInt64(), p[1].GetInt64() }));
        Timeline.AddSparse(r.GetProperty("timeline").EnumerateArray().Select(p => new[] { p[0].GetInt64(), p[1].GetInt64(), p[2].GetInt64() }));
    }
}
