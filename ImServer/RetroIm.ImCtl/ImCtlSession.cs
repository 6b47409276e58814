using Microsoft.Extensions.DependencyInjection;
using RetroIm.Im;
using RetroIm.Im.Backplane;

namespace RetroIm.ImCtl;

/// <summary>An <see cref="ImClient"/> on the cluster's Redis, wired exactly as a business app wires it.</summary>
internal sealed class ImCtlSession : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private ImCtlSession(ServiceProvider provider)
    {
        _provider = provider;
        Client = provider.GetRequiredService<ImClient>();
        Backplane = provider.GetRequiredService<IImBackplane>();
    }

    public ImClient Client { get; }

    public IImBackplane Backplane { get; }

    public static ImCtlSession Open(string redis)
    {
        if (string.IsNullOrWhiteSpace(redis)) throw new UsageException("--redis must not be empty (imctl always talks to a cluster's Redis).");
        var services = new ServiceCollection();
        services.AddImHelper(configure: options => options.Redis = redis);
        return new ImCtlSession(services.BuildServiceProvider());
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _provider.DisposeAsync();
    }
}
