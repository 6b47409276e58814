namespace RetroIm.Im;

/// <summary>Removes a handler when disposed (once).</summary>
internal sealed class HandlerRegistration(Action remove) : IDisposable
{
    private Action? _remove = remove;

    public void Dispose() => Interlocked.Exchange(ref _remove, null)?.Invoke();
}
