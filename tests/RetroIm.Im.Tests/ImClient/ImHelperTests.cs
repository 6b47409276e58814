using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.ImClient;

[TestFixture]
[NonParallelizable] // ImHelper is process-wide state
public sealed class ImHelperTests
{
    [Test]
    public void Instance_NotInitialised_ThrowsInvalidOperationNamingTheFix()
    {
        ResetImHelper();
        Assert.That(() => ImHelper.Instance, Throws.InvalidOperationException.With.Message.Contains("ImHelper.Initialization"));
        Assert.That(async () => await ImHelper.HasOnlineAsync("a"), Throws.InvalidOperationException);
    }

    [Test]
    public async Task StaticMethods_AfterInitialization_UseTheInstance()
    {
        await using var backplane = new InMemoryBackplane();
        await using var client = new Im.ImClient(backplane);
        var node = await SimulatedNode.StartAsync(backplane, "n1");
        await node.ConnectAsync("a");
        ImHelper.Initialization(client);
        try
        {
            Assert.That(ImHelper.Instance, Is.SameAs(client));
            Assert.That(await ImHelper.HasOnlineAsync("a"), Is.True);
            Assert.That(await ImHelper.PrevConnectServerAsync("a"), Does.StartWith("ws://n1/ws?token="));
            await ImHelper.JoinChanAsync("room", "a");
            Assert.That(await ImHelper.GetChanClientListAsync("room"), Is.EqualTo(new[] { "a" }));
            await ImHelper.SendMessageAsync(null, "a", "hi");
            Assert.That((await node.NextPacketAsync()).Header.Kind, Is.EqualTo(Protocol.RelayPacketKind.Join));
            Assert.That((await node.NextPacketAsync()).Header.Kind, Is.EqualTo(Protocol.RelayPacketKind.Message));
        }
        finally
        {
            ResetImHelper();
        }
    }

    [Test]
    public async Task AddImHelper_SectionGiven_OptionsBoundAndBackplaneRegistered()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImHelper:TokenTtl"] = "00:00:12",
            ["ImHelper:ReceiptTimeout"] = "00:00:02",
            ["ImHelper:Servers:0"] = "ws://a:1",
            ["ImHelper:Servers:1"] = "b:2",
        }).Build();
        var services = new ServiceCollection().AddLogging();

        services.AddImHelper(config.GetSection("ImHelper"));

        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ImHelperOptions>>().Value;
        Assert.That(options.TokenTtl, Is.EqualTo(TimeSpan.FromSeconds(12)));
        Assert.That(options.ReceiptTimeout, Is.EqualTo(TimeSpan.FromSeconds(2)));
        Assert.That(options.Servers, Is.EqualTo(new[] { "ws://a:1", "b:2" }));
        Assert.That(provider.GetRequiredService<IImBackplane>().Kind, Is.EqualTo("memory"));
        Assert.That(provider.GetRequiredService<Im.ImClient>(), Is.SameAs(provider.GetRequiredService<Im.ImClient>()));
    }

    [Test]
    public async Task AddImHelper_NoSection_ReadsImHelperFromRegisteredConfiguration()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ImHelper:TokenTtl"] = "00:01:00",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(config);

        services.AddImHelper(configure: o => o.ReceiptTimeout = TimeSpan.FromSeconds(9));

        await using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<ImHelperOptions>>().Value;
        Assert.That(options.TokenTtl, Is.EqualTo(TimeSpan.FromMinutes(1)));
        Assert.That(options.ReceiptTimeout, Is.EqualTo(TimeSpan.FromSeconds(9)));
    }

    [Test]
    public async Task AddImHelper_BackplaneAlreadyRegistered_SharesIt()
    {
        await using var embedded = new InMemoryBackplane();
        var services = new ServiceCollection().AddLogging().AddSingleton<IImBackplane>(embedded);

        services.AddImHelper();

        await using var provider = services.BuildServiceProvider();
        Assert.That(provider.GetServices<IImBackplane>().Single(), Is.SameAs(embedded));
        await SimulatedNode.StartAsync(embedded, "n1");
        Assert.That(await provider.GetRequiredService<Im.ImClient>().PrevConnectServerAsync("a"), Does.StartWith("ws://n1/ws?"));
    }

    private static void ResetImHelper() => ImHelper.Reset();
}
