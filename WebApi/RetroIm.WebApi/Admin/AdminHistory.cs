using Microsoft.Extensions.Options;

namespace RetroIm.WebApi.Admin;

/// <summary>The last <see cref="AdminOptions.HistorySize"/> samples, oldest first; a fixed ring, so memory stays flat.</summary>
internal sealed class AdminHistory(IOptions<AdminOptions> options)
{
    private readonly AdminSample?[] _ring = new AdminSample?[Math.Max(1, options.Value.HistorySize)];
    private readonly Lock _lock = new();
    private int _next;
    private int _count;

    public int Capacity => _ring.Length;

    public void Add(AdminSample sample)
    {
        lock (_lock)
        {
            _ring[_next] = sample;
            _next = (_next + 1) % _ring.Length;
            if (_count < _ring.Length) _count++;
        }
    }

    public IReadOnlyList<AdminSample> Snapshot()
    {
        lock (_lock)
        {
            var samples = new AdminSample[_count];
            var start = (_next - _count + _ring.Length) % _ring.Length;
            for (var i = 0; i < _count; i++) samples[i] = _ring[(start + i) % _ring.Length]!;
            return samples;
        }
    }
}
