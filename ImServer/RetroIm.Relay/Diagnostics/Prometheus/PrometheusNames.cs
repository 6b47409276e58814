using System.Text;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>
/// Instrument and tag names → Prometheus names, after OpenTelemetry's Prometheus compatibility rules: characters
/// outside <c>[a-zA-Z0-9_:]</c> (labels: <c>[a-zA-Z0-9_]</c>) become <c>_</c>, runs of <c>_</c> collapse, a leading digit
/// gets a <c>_</c>; the unit becomes a suffix (<c>s</c> → <c>_seconds</c>, <c>By</c> → <c>_bytes</c>, <c>{thing}</c> → none)
/// and counters end in <c>_total</c>.
/// </summary>
internal static class PrometheusNames
{
    public static string MetricName(string instrumentName, string? unit, MetricType type)
    {
        // "name!" → "name_": trimmed, or the suffix would make "name__total".
        var name = Sanitize(instrumentName, allowColon: true).TrimEnd('_');
        if (name.Length == 0) name = "_";
        var suffix = UnitSuffix(unit);
        // retroim.relay.bytes_out in By stays …bytes_out: the unit is already in the name, once is enough.
        if (suffix is not null && !HasToken(name, suffix)) name += "_" + suffix;
        if (type == MetricType.Counter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    public static string LabelName(string tagName)
    {
        var name = Sanitize(tagName, allowColon: false);
        // Names starting with __ are reserved for Prometheus itself.
        return name.StartsWith("__", StringComparison.Ordinal) ? "key" + name : name;
    }

    /// <summary>True when <paramref name="name"/> is a valid metric name: <c>[a-zA-Z_:][a-zA-Z0-9_:]*</c>.</summary>
    public static bool IsValidMetricName(string name) => IsValid(name, allowColon: true);

    /// <summary>True when <paramref name="name"/> is a valid label name: <c>[a-zA-Z_][a-zA-Z0-9_]*</c>.</summary>
    public static bool IsValidLabelName(string name) => IsValid(name, allowColon: false);

    private static string? UnitSuffix(string? unit) => unit switch
    {
        null or "" or "1" => null,
        ['{', .., '}'] => null, // an annotation like {connection} names what is counted, not a unit
        "s" => "seconds",
        "ms" => "milliseconds",
        "us" => "microseconds",
        "ns" => "nanoseconds",
        "min" => "minutes",
        "h" => "hours",
        "By" => "bytes",
        "KiBy" => "kibibytes",
        "MiBy" => "mebibytes",
        "GiBy" => "gibibytes",
        "bit" => "bits",
        "%" => "percent",
        "Hz" => "hertz",
        _ => Sanitize(unit, allowColon: false).Trim('_') is { Length: > 0 } s ? s : null,
    };

    private static bool HasToken(string name, string token)
    {
        foreach (var part in name.Split('_', ':'))
        {
            if (part == token) return true;
        }
        return false;
    }

    private static string Sanitize(string name, bool allowColon)
    {
        if (name.Length == 0) return "_";
        var result = new StringBuilder(name.Length + 1);
        if (char.IsAsciiDigit(name[0])) result.Append('_');
        foreach (var c in name)
        {
            var ok = char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':');
            var next = ok ? c : '_';
            // Collapse runs: "a..b" and "a._b" both become "a_b".
            if (next == '_' && result.Length > 0 && result[^1] == '_') continue;
            result.Append(next);
        }
        return result.ToString();
    }

    private static bool IsValid(string name, bool allowColon)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) return false;
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_' || (allowColon && c == ':'))) return false;
        }
        return true;
    }
}
