namespace RetroIm.WebApi.Tests;

/// <summary>
/// A fixture whose tests share one real app in embedded mode (temporary SQLite file, the relay inside) and an HTTP
/// client for it. Each test creates its own retro, so sharing the app keeps tests independent and fast.
/// </summary>
public abstract class RetroAppTestBase
{
    protected RetroAppFactory App { get; private set; } = null!;

    protected RetroApiClient Api { get; private set; } = null!;

    [OneTimeSetUp]
    public void StartApp()
    {
        App = new RetroAppFactory();
        Api = App.CreateApiClient();
    }

    [OneTimeTearDown]
    public async Task StopApp()
    {
        Api.Dispose();
        await App.DisposeAsync();
    }
}
