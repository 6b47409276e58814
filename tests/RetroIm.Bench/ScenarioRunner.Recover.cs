using System.Diagnostics;

namespace RetroIm.Bench;

internal sealed partial class ScenarioRunner
{
    /// <summary>
    /// Kills node 0 while the channel keeps getting messages: seconds from the kill until every client is connected
    /// again and (RetroIm) has every message, replayed from its last position.
    /// </summary>
    private async Task RecoverAsync()
    {
        // Everyone gets a position first (a client presents its last position when it reconnects).
        const int warm = 3;
        await target.PublishAsync(ChannelPlan(0, warm, Math.Max(options.Rate, 5 * _connected)));
        await UntilAsync(r => r.MinLastSeq >= warm - 1, "the warm-up messages");
        await AskAllAsync("reset");

        var messages = options.MessagesOrDefault;
        var finalSeq = warm + messages - 1;
        var killedAt = BenchPayload.NowMicros();
        var sinceKill = Stopwatch.StartNew();
        target.KillNode(0);
        Console.Error.WriteLine($"[{target.Name}] killed node 0; publishing {messages} message(s) while its clients come back");
        await target.PublishAsync(ChannelPlan(warm, messages, options.Rate));

        var allConnected = Stopwatch.StartNew();
        var traced = -1;
        var report = await UntilAsync(r =>
        {
            if (r.Connected < _connected) allConnected.Restart();
            // Once a second, where the clients are: the seconds of recover_s split into reaping the node and reconnecting.
            if ((int)sinceKill.Elapsed.TotalSeconds > traced)
            {
                traced = (int)sinceKill.Elapsed.TotalSeconds;
                Console.Error.WriteLine($"[{target.Name}] +{sinceKill.Elapsed.TotalSeconds:0.0} s: connected {r.Connected}/{_connected}, reconnected {r.Reconnects}/{r.Disconnects}, recovered {r.Recovered}, recover_failed {r.RecoverFailed}");
            }
            return target.ReplaysMissedMessages
                ? r.Connected >= _connected && r.MinLastSeq >= finalSeq && r.Recovered + r.RecoverFailed >= r.Reconnects
                : r.Connected >= _connected && allConnected.Elapsed > TimeSpan.FromSeconds(1);
        }, "every client back", TimeSpan.FromSeconds(120));

        var doneAt = Math.Max(report.LastReconnectAt, target.ReplaysMissedMessages ? report.LastMessageAt : 0);
        _figures["clients_on_killed_node"] = report.Disconnects;
        _figures["reconnected"] = report.Reconnects;
        _figures["recovered"] = report.Recovered;
        _figures["recover_failed"] = report.RecoverFailed;
        _figures["recover_s"] = Math.Round((doneAt - killedAt) / 1e6, 2);
        _figures["messages"] = messages;
        _figures["lost"] = Math.Max(0, messages * _connected - report.Received);
        _figures["duplicated"] = report.Duplicated;
        _figures["p99_ms"] = Num(report.Latency.PercentileMs(99));
        _figures["max_ms"] = Num(report.Latency.MaxMs());
        foreach (var e in report.Errors) Console.Error.WriteLine("recover: " + e);
    }
}
