using System.Text;

namespace RetroIm.Testing;

/// <summary>The last lines a child process wrote (stdout and stderr interleaved), for printing when a test fails.</summary>
public sealed class OutputLog
{
    private readonly Queue<string> _lines = new();
    private readonly int _capacity;
    private readonly DateTime _start = DateTime.UtcNow;
    private long _dropped;

    public OutputLog(int capacity = 4000) => _capacity = capacity;

    public void Add(string stream, string? line)
    {
        if (line is null) return;
        var entry = $"{(DateTime.UtcNow - _start).TotalSeconds,8:0.000} {stream} {line}";
        lock (_lines)
        {
            if (_lines.Count == _capacity)
            {
                _lines.Dequeue();
                _dropped++;
            }
            _lines.Enqueue(entry);
        }
    }

    /// <summary>The last <paramref name="maxLines"/> lines, oldest first.</summary>
    public string Tail(int maxLines = 200)
    {
        lock (_lines)
        {
            var skip = Math.Max(0, _lines.Count - maxLines);
            var text = new StringBuilder();
            if (skip > 0 || _dropped > 0) text.Append("  … ").Append(skip + _dropped).AppendLine(" earlier lines omitted");
            foreach (var line in _lines.Skip(skip)) text.AppendLine(line);
            return text.ToString();
        }
    }

    /// <summary>Every line kept so far.</summary>
    public string All() => Tail(int.MaxValue);

    public bool Contains(string fragment)
    {
        lock (_lines) return _lines.Any(l => l.Contains(fragment, StringComparison.OrdinalIgnoreCase));
    }
}
