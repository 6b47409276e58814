using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

/// <summary>
/// The behaviour both <see cref="IImBackplane"/> implementations must share; each concrete fixture supplies a fresh
/// backplane per test. Split by concern into partial files.
/// </summary>
public abstract partial class BackplaneConformanceTests
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LongTtl = TimeSpan.FromSeconds(60);

    private readonly List<IImBackplane> _created = [];

    /// <summary>The backplane under test, over empty state.</summary>
    protected IImBackplane Backplane { get; private set; } = null!;

    /// <summary>A backplane over fresh, empty state of its own.</summary>
    protected abstract Task<IImBackplane> CreateFreshAsync();

    /// <summary>A second handle on <paramref name="backplane"/>'s state (Redis: another connection and prefix-mate).</summary>
    protected abstract Task<IImBackplane> CreatePeerAsync(IImBackplane backplane);

    /// <summary>Lets <paramref name="duration"/> pass for TTLs (a manual clock, or real time for Redis).</summary>
    protected abstract Task AdvanceAsync(TimeSpan duration);

    /// <summary>The keys holding <paramref name="backplane"/>'s state, without the prefix, sorted.</summary>
    protected abstract Task<IReadOnlyList<string>> GetKeysAsync(IImBackplane backplane);

    [SetUp]
    public async Task CreateBackplaneAsync() => Backplane = await TrackAsync(CreateFreshAsync());

    [TearDown]
    public async Task DisposeBackplanesAsync()
    {
        foreach (var backplane in _created) await backplane.DisposeAsync();
        _created.Clear();
    }

    [Test]
    public async Task PingAsync_BackplaneUp_Completes()
    {
        await Backplane.PingAsync().WaitAsync(Timeout);

        Assert.That(Backplane.Kind, Is.EqualTo("redis").Or.EqualTo("memory"));
    }

    protected async Task<IImBackplane> FreshAsync() => await TrackAsync(CreateFreshAsync());

    protected async Task<IImBackplane> PeerAsync() => await TrackAsync(CreatePeerAsync(Backplane));

    private async Task<IImBackplane> TrackAsync(Task<IImBackplane> creating)
    {
        var backplane = await creating;
        if (!_created.Contains(backplane)) _created.Add(backplane);
        return backplane;
    }

    private static ConnectionRegistration Conn(string node, string client, string id = "c1", string? metadata = null) =>
        new(node, client, id, metadata);

    private static NodeInfo Node(string id, long connections = 0) => new(id, "ws://" + id, connections, 1_700_000_000_000);
}
