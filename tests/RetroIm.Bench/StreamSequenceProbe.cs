using System.Globalization;
using RetroIm.Im;
using RetroIm.Im.Protocol;
using RetroIm.Redis;

namespace RetroIm.Bench;

/// <summary>
/// <c>script --probe stream-sequence</c>: a layout ImHelper does not use, measured so its cost is known before anyone
/// builds it. A kept direct message now costs Redis a script call (the sequence's HMGET and HSET, the history's XADD,
/// the receiver's HKEYS and the Lua around them). Here the history stream itself assigns the offset: an entry's id is
/// <c>{epoch}-{offset}</c>, from <c>XADD key {epoch}-*</c>, which Redis numbers one past the stream's last id (it keeps
/// that even after trimming). A kept message is then plain commands, as one not kept: per receiver one XADD and one
/// HKEYS, pipelined a batch at a time, then one PUBLISH per node of the batch's packets with their positions, in the
/// format the nodes read (<see cref="RelayBatch"/>). What a real layout would add (an epoch cache in ImHelper, a script
/// for a stream it has no epoch of, reads and welcome positions by entry id, a rolling upgrade) is not here.
/// </summary>
internal static class StreamSequenceProbe
{
    private const int BatchSize = 64;
    private const string Epoch = "1";

    /// <summary>Sends <paramref name="count"/> messages, each to the next of <paramref name="names"/>, with up to <paramref name="inFlight"/> in flight.</summary>
    public static async Task SendAsync(RedisClient redis, string clientPrefix, string[] names, byte[] frame, int count, int inFlight)
    {
        using var slots = new SemaphoreSlim(Math.Max(1, inFlight / BatchSize));
        var batches = new List<Task>();
        for (var first = 0; first < count; first += BatchSize)
        {
            await slots.WaitAsync();
            var receivers = new string[Math.Min(BatchSize, count - first)];
            for (var j = 0; j < receivers.Length; j++) receivers[j] = names[(first + j) % names.Length];
            batches.Add(SendBatchAsync(redis, clientPrefix, receivers, frame, slots));
        }
        await Task.WhenAll(batches).WaitAsync(TimeSpan.FromMinutes(5));
    }

    private static async Task SendBatchAsync(RedisClient redis, string clientPrefix, string[] receivers, byte[] frame, SemaphoreSlim slots)
    {
        try
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var appends = new RedisPipeline();
            foreach (var receiver in receivers)
            {
                appends.Add("XADD", "probe:log:c:" + receiver, "MAXLEN", "~", 1000, Epoch + "-*", "f", frame, "t", now);
                appends.Add("HKEYS", clientPrefix + receiver);
            }
            var replies = await redis.ExecuteInOrderAsync(appends);
            var perNode = new Dictionary<string, List<byte[]>>(StringComparer.Ordinal);
            for (var j = 0; j < receivers.Length; j++)
            {
                var id = replies[2 * j].AsString() ?? throw new InvalidOperationException("XADD answered nil");
                var offset = long.Parse(id.AsSpan(id.IndexOf('-') + 1), CultureInfo.InvariantCulture);
                var packet = RelayPacket.Write(new RelayHeader(RelayPacketKind.Message, To: [receivers[j]], Epochs: [Epoch], Offsets: [offset]), frame);
                foreach (var node in replies[2 * j + 1].Items)
                {
                    var name = node.AsString()!;
                    if (!perNode.TryGetValue(name, out var entries)) perNode[name] = entries = [];
                    entries.Add(packet);
                }
            }
            var publishes = new RedisPipeline();
            foreach (var (node, entries) in perNode) publishes.Add("PUBLISH", ImTopics.NodeBatch(node), RelayBatch.Write(entries));
            if (publishes.Count > 0) await redis.ExecuteInOrderAsync(publishes);
        }
        finally
        {
            slots.Release();
        }
    }
}
