using System.Text.Json;
using System.Threading.Channels;
using RetroIm.Im.Backplane;
using RetroIm.Im.Protocol;

namespace RetroIm.Im.Tests.ImClient;

/// <summary>
/// Plays a relay node on a real backplane through the node protocol itself: heartbeats, registers connections,
/// subscribes its inbox, records every packet, and (when asked) answers receipts as a relay does.
/// </summary>
internal sealed class SimulatedNode
{
    private readonly IImBackplane _backplane;
    private readonly Channel<ReceivedPacket> _packets = Channel.CreateUnbounded<ReceivedPacket>();
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private int _connectionSeq;

    private SimulatedNode(IImBackplane backplane, string id, string url)
    {
        _backplane = backplane;
        Info = new NodeInfo(id, url, 0, 1_700_000_000_000);
    }

    public NodeInfo Info { get; }

    public string Id => Info.Id;

    /// <summary>How this node answers receipts: by default, with the addressed clients it holds.</summary>
    public ReceiptMode Receipts { get; set; } = ReceiptMode.Held;

    public static async Task<SimulatedNode> StartAsync(IImBackplane backplane, string id, string? url = null)
    {
        var node = new SimulatedNode(backplane, id, url ?? "ws://" + id);
        await backplane.HeartbeatNodeAsync(node.Info, TimeSpan.FromMinutes(5));
        await backplane.SubscribeAsync(ImTopics.Node(id), node.OnPacket);
        return node;
    }

    public async Task<ConnectionRegistration> ConnectAsync(string clientId, string? metadata = null)
    {
        var registration = new ConnectionRegistration(Id, clientId, $"{Id}#{Interlocked.Increment(ref _connectionSeq)}", metadata);
        await _backplane.AddConnectionAsync(registration);
        lock (_held) _held.Add(clientId);
        return registration;
    }

    /// <summary>Forgets a client locally without telling the backplane, as when its socket just closed.</summary>
    public void DropLocally(string clientId)
    {
        lock (_held) _held.Remove(clientId);
    }

    public Task DisconnectAsync(ConnectionRegistration registration)
    {
        DropLocally(registration.ClientId);
        return _backplane.RemoveConnectionAsync(registration);
    }

    public async Task<ReceivedPacket> NextPacketAsync()
        => await _packets.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));

    /// <summary>Packets received so far and not yet read.</summary>
    public int PendingPackets => _packets.Reader.Count;

    private void OnPacket(string topic, ReadOnlyMemory<byte> payload)
    {
        if (!RelayPacket.TryRead(payload, out var header, out var body))
        {
            // Surfaces in the test's next NextPacketAsync.
            _packets.Writer.TryComplete(new InvalidOperationException("not a relay packet: " + System.Text.Encoding.UTF8.GetString(payload.Span)));
            return;
        }
        var packet = new ReceivedPacket(header!, body.ToArray());
        _packets.Writer.TryWrite(packet);
        if (header!.ReceiptTopic is null || Receipts == ReceiptMode.Silent) return;

        var written = new List<string>();
        lock (_held)
        {
            foreach (var clientId in header.To ?? []) if (_held.Contains(clientId)) written.Add(clientId);
        }
        var report = JsonSerializer.SerializeToUtf8Bytes(new ReceiptReport(header.Id!, Id, written));
        if (Receipts == ReceiptMode.Held)
        {
            // From inside the handler, as a node's dispatch loop would.
            // The in-memory backplane queues it and delivers it right after this handler returns.
            _ = _backplane.PublishAsync(header.ReceiptTopic, report);
        }
        else
        {
            // Later, from another thread: the sender must keep waiting.
            _ = Task.Run(async () =>
            {
                await Task.Yield();
                await _backplane.PublishAsync(header.ReceiptTopic, report);
            });
        }
    }
}

internal enum ReceiptMode { Held, HeldLater, Silent }

internal sealed record ReceivedPacket(RelayHeader Header, byte[] Body)
{
    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);

    public JsonElement Frame => JsonDocument.Parse(Body).RootElement;
}
