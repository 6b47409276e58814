using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.ImClient;

/// <summary>
/// Base of the ImClient fixtures that run against an in-memory backplane with two simulated relay nodes ("n1", "n2"),
/// fresh for every test. Override <see cref="Clock"/> or <see cref="Options"/> to control time or the client's options; both are read once per test.
/// </summary>
public abstract class TwoNodeTestBase
{
    protected InMemoryBackplane Backplane { get; private set; } = null!;

    protected Im.ImClient Client { get; private set; } = null!;

    private protected SimulatedNode N1 { get; private set; } = null!;

    private protected SimulatedNode N2 { get; private set; } = null!;

    /// <summary>The clock shared by the backplane and the client; null: the system clock.</summary>
    protected virtual TimeProvider? Clock => null;

    protected virtual ImHelperOptions? Options => null;

    [SetUp]
    public async Task StartNodesAsync()
    {
        var clock = Clock;
        Backplane = new InMemoryBackplane(clock);
        Client = new Im.ImClient(Backplane, Options, time: clock);
        N1 = await SimulatedNode.StartAsync(Backplane, "n1");
        N2 = await SimulatedNode.StartAsync(Backplane, "n2");
    }

    [TearDown]
    public async Task StopNodesAsync()
    {
        await Client.DisposeAsync();
        await Backplane.DisposeAsync();
    }
}
