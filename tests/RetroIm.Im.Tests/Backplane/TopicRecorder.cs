using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>Copies every payload published on the topics it subscribed, per topic.</summary>
internal sealed class TopicRecorder
{
    private readonly ConcurrentDictionary<string, Channel<byte[]>> _topics = new(StringComparer.Ordinal);

    public static async Task<TopicRecorder> StartAsync(IImBackplane backplane, params string[] topics)
    {
        var recorder = new TopicRecorder();
        foreach (var topic in topics)
        {
            recorder._topics[topic] = Channel.CreateUnbounded<byte[]>();
            await backplane.SubscribeAsync(topic, recorder.OnMessage);
        }
        return recorder;
    }

    public async Task<string> NextAsync(string topic) =>
        Encoding.UTF8.GetString(await _topics[topic].Reader.ReadAsync().AsTask().WaitAsync(BackplaneConformanceTests.Timeout));

    /// <summary>Everything received on <paramref name="topic"/> before a marker published after it (pub/sub keeps order).</summary>
    public async Task<List<string>> ReadUntilMarkerAsync(IImBackplane backplane, string topic)
    {
        var marker = "marker-" + Guid.NewGuid().ToString("N");
        await backplane.PublishAsync(topic, Encoding.UTF8.GetBytes(marker));
        var before = new List<string>();
        while (true)
        {
            var next = await NextAsync(topic);
            if (next == marker) return before;
            before.Add(next);
        }
    }

    private void OnMessage(string topic, ReadOnlyMemory<byte> payload)
    {
        // The payload is only valid during the call: copy it.
        if (_topics.TryGetValue(topic, out var channel)) channel.Writer.TryWrite(payload.ToArray());
        else throw new InvalidOperationException("Message for a topic never subscribed: " + topic);
    }
}
