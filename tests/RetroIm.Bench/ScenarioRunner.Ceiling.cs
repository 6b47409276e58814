namespace RetroIm.Bench;

internal sealed partial class ScenarioRunner
{
    /// <summary>
    /// Steps the offered fan-out rate up from --rate/4; the ceiling is the highest step held: p99 ≤ 100 ms, no loss, and
    /// at least 95 % of the offered rate delivered (a system that needs longer than the step to send it all has not held it).
    /// Stepping stops at a step that falls behind (under 90 % of the offered rate delivered) or, once a step was held, after
    /// two steps in a row not held: one late burst on a shared machine (the first steps follow the warm-up closely) does
    /// not end the search below the real ceiling.
    /// </summary>
    private async Task CeilingAsync(long firstSeq)
    {
        // At most a quarter apart from 2R up, so two systems' ceilings are told apart to within that; up to 32R, so a
        // ceiling three times another's found at 10R still shows (Socket.IO holds 4R–8R at --rate 20000 with the
        // io_uring load generator and pinned nodes; RetroIm held all of 24R once bursts were coalesced, c008a18).
        double[] multipliers = [0.25, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32];
        var steps = new List<Dictionary<string, object?>>();
        var seq = firstSeq;
        double ceiling = 0;
        var missed = 0;
        Dictionary<string, object?>? best = null;
        foreach (var m in multipliers)
        {
            var rate = options.Rate * m;
            var perSecond = rate / Math.Max(1, _connected);
            var messages = Math.Max(3, (int)Math.Round(options.StepSeconds * perSecond));
            var step = new Dictionary<string, object?>();
            await DeliveryPhaseAsync(ChannelPlan(seq, messages, rate), step);
            seq += messages;
            steps.Add(step);
            var held = step["p99_ms"] is double p99 && p99 <= 100 && (long)step["lost"]! == 0
                && step["deliveries_per_s"] is double kept && kept >= 0.95 * rate;
            Console.Error.WriteLine($"[{target.Name}] step {rate:0}/s offered: {step["deliveries_per_s"]}/s, p99 {step["p99_ms"]} ms, lost {step["lost"]} → {(held ? "held" : "not held")}");
            if (!held)
            {
                var behind = step["deliveries_per_s"] is double delivered && delivered < 0.9 * rate;
                if (behind || (++missed == 2 && best is not null)) break;
                continue;
            }
            missed = 0;
            ceiling = rate;
            best = step;
        }
        _figures["ceiling_deliveries_per_s"] = Math.Round(ceiling, 0);
        if (best is not null)
        {
            foreach (var key in new[] { "deliveries_per_s", "p50_ms", "p99_ms", "max_ms", "cpu_us_per_delivery", "total_cpu_us_per_delivery", "loadgen_cpu_s", "steal_pct" })
                _figures[key] = best[key];
        }
        _figures["steps"] = steps;
    }
}
