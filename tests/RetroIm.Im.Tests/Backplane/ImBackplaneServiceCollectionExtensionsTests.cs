using Microsoft.Extensions.DependencyInjection;
using NUnit.Framework;
using RetroIm.Im.Backplane;

namespace RetroIm.Im.Tests.Backplane;

[TestFixture]
public sealed class ImBackplaneServiceCollectionExtensionsTests
{
    [TestCase(null)]
    [TestCase("")]
    [TestCase("  ")]
    public async Task AddImBackplane_NoRedis_InMemorySingletonDisposedWithContainer(string? redis)
    {
        var provider = new ServiceCollection().AddImBackplane(redis).BuildServiceProvider();

        var backplane = provider.GetRequiredService<IImBackplane>();
        Assert.That(backplane, Is.InstanceOf<InMemoryBackplane>());
        Assert.That(provider.GetRequiredService<IImBackplane>(), Is.SameAs(backplane));

        await provider.DisposeAsync();

        Assert.ThrowsAsync<ObjectDisposedException>(() => backplane.PingAsync());
    }

    [Test]
    public async Task AddImBackplane_ConnectionString_RedisBackplane()
    {
        // Nothing connects until first use, so no server is needed to build it.
        await using var provider = new ServiceCollection().AddImBackplane("127.0.0.1:1,prefix=x:").BuildServiceProvider();

        var backplane = provider.GetRequiredService<IImBackplane>();

        Assert.That(backplane, Is.InstanceOf<RedisBackplane>());
        Assert.That(backplane.Kind, Is.EqualTo("redis"));
    }

    [Test]
    public void AddImBackplane_MalformedConnectionString_FailsAtRegistration()
    {
        Assert.Throws<FormatException>(() => new ServiceCollection().AddImBackplane("127.0.0.1:6379,nonsense=1"));
    }

    [Test]
    public async Task AddImBackplane_Twice_FirstRegistrationWins()
    {
        await using var provider = new ServiceCollection().AddImBackplane(null).AddImBackplane("127.0.0.1:1").BuildServiceProvider();

        Assert.That(provider.GetRequiredService<IImBackplane>(), Is.InstanceOf<InMemoryBackplane>());
    }
}
