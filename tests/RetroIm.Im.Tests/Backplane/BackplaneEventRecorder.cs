using System.Text.Json;
using System.Threading.Channels;
using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>Collects the <see cref="PresenceEvent"/>s a backplane publishes on <see cref="ImTopics.Events"/>.</summary>
internal sealed class BackplaneEventRecorder
{
    private readonly Channel<PresenceEvent> _events = Channel.CreateUnbounded<PresenceEvent>();

    private BackplaneEventRecorder()
    {
    }

    public static async Task<BackplaneEventRecorder> StartAsync(IImBackplane backplane)
    {
        var recorder = new BackplaneEventRecorder();
        await backplane.SubscribeAsync(ImTopics.Events, recorder.OnEvent);
        return recorder;
    }

    public async Task<PresenceEvent> NextAsync() =>
        await _events.Reader.ReadAsync().AsTask().WaitAsync(BackplaneConformanceTests.Timeout);

    /// <summary>
    /// Reads the events published before a marker client's online event, which the marker publishes after everything
    /// the test did so far (events arrive in the order of the changes); ends with the marker offline again.
    /// </summary>
    public async Task<List<PresenceEvent>> ReadUntilMarkerAsync(IImBackplane backplane)
    {
        var marker = new ConnectionRegistration("marker-node", "marker-" + Guid.NewGuid().ToString("N"), "marker-conn", null);
        await backplane.AddConnectionAsync(marker);
        var before = new List<PresenceEvent>();
        while (true)
        {
            var next = await NextAsync();
            if (next.ClientId == marker.ClientId) break;
            before.Add(next);
        }
        await backplane.RemoveConnectionAsync(marker);
        var offline = await NextAsync();
        Assert.That((offline.Type, offline.ClientId), Is.EqualTo((PresenceEvent.Offline, marker.ClientId)));
        return before;
    }

    private void OnEvent(string topic, ReadOnlyMemory<byte> payload)
    {
        try
        {
            if (topic != ImTopics.Events) throw new InvalidOperationException("Event on topic " + topic);
            var presence = JsonSerializer.Deserialize(payload.Span, ImJsonContext.Default.PresenceEvent)
                ?? throw new JsonException("null presence event");
            _events.Writer.TryWrite(presence);
        }
        catch (Exception e)
        {
            // Surfaces in the awaiting test instead of timing out.
            _events.Writer.TryComplete(new InvalidOperationException("Bad presence event: " + System.Text.Encoding.UTF8.GetString(payload.Span), e));
        }
    }
}
