namespace RetroIm.WebApi.Writes;

/// <summary>
/// Serialises writes per retro inside this process: a fixed set of semaphores picked by the retro id's hash, so there
/// is nothing to clean up and two retros rarely share one. Holding it from BEGIN to the end of the push also keeps
/// pushes in version order. (Across processes BEGIN IMMEDIATE serialises the database writes.)
/// </summary>
internal sealed class StripedLock
{
    private readonly SemaphoreSlim[] _stripes;

    public StripedLock(int stripes)
    {
        _stripes = new SemaphoreSlim[stripes];
        for (var i = 0; i < stripes; i++) _stripes[i] = new SemaphoreSlim(1, 1);
    }

    public async Task<Releaser> AcquireAsync(string key, CancellationToken cancellationToken)
    {
        // string.GetHashCode is randomised per process, which is fine: stripes only matter within it.
        var stripe = _stripes[(uint)key.GetHashCode() % (uint)_stripes.Length];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    public readonly struct Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }
}
