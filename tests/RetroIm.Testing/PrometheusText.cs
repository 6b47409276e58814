using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RetroIm.Testing;

/// <summary>
/// A strict reader of the Prometheus text exposition format 0.0.4, for tests: <see cref="Parse"/> throws
/// <see cref="FormatException"/> naming the line for anything Prometheus would reject or that breaks the format's rules
/// (names, label syntax and escapes, values, HELP/TYPE before samples, one TYPE per family, duplicate series, histogram
/// buckets sorted, cumulative and ending in <c>+Inf</c> equal to <c>_count</c>, <c>_sum</c> present).
/// </summary>
public sealed partial class PrometheusText
{
    private PrometheusText(Dictionary<string, string> types, Dictionary<string, string> help, List<Sample> samples)
    {
        Types = types;
        Help = help;
        Samples = samples;
    }

    /// <summary>Family name → counter, gauge, histogram, summary or untyped.</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>Family name → unescaped HELP text.</summary>
    public IReadOnlyDictionary<string, string> Help { get; }

    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>One sample line: name, unescaped labels, value.</summary>
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>The samples called <paramref name="name"/> whose labels include every pair of <paramref name="labels"/>.</summary>
    public IEnumerable<Sample> Find(string name, params (string Name, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value));

    /// <summary>The sum of the matching samples' values (0 when none).</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) => Find(name, labels).Sum(s => s.Value);

    public static PrometheusText Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var familiesWithSamples = new HashSet<string>(StringComparer.Ordinal);
        var lines = text.Split('\n');
        if (text.Length > 0 && !text.EndsWith('\n')) throw new FormatException("the exposition must end with a newline");
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            if (line.Length == 0) continue;
            try
            {
                if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    var (name, rest) = SplitName(line["# HELP ".Length..]);
                    if (!help.TryAdd(name, UnescapeHelp(rest))) throw new FormatException($"second HELP for {name}");
                }
                else if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var (name, type) = SplitName(line["# TYPE ".Length..]);
                    if (type is not ("counter" or "gauge" or "histogram" or "summary" or "untyped")) throw new FormatException($"unknown type {type}");
                    if (familiesWithSamples.Contains(name)) throw new FormatException($"TYPE for {name} after its samples");
                    if (!types.TryAdd(name, type)) throw new FormatException($"second TYPE for {name}");
                }
                else if (line.StartsWith('#'))
                {
                    // Other comments are allowed.
                }
                else
                {
                    var sample = ParseSample(line);
                    var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
                    if (!seen.Add(key)) throw new FormatException($"duplicate series {key}");
                    familiesWithSamples.Add(FamilyOf(sample.Name, types));
                    samples.Add(sample);
                }
            }
            catch (FormatException e)
            {
                throw new FormatException($"line {n + 1} \"{line}\": {e.Message}", e);
            }
        }
        var parsed = new PrometheusText(types, help, samples);
        parsed.CheckHistograms();
        return parsed;
    }

    private void CheckHistograms()
    {
        foreach (var (family, type) in Types)
        {
            if (type != "histogram") continue;
            var buckets = Samples.Where(s => s.Name == family + "_bucket").GroupBy(s => SeriesKey(s.Labels, "le"));
            foreach (var series in buckets)
            {
                var bounds = series.Select(s => (Le: ParseValue(s.Labels["le"]), s.Value)).ToList();
                for (var i = 1; i < bounds.Count; i++)
                {
                    if (bounds[i].Le <= bounds[i - 1].Le) throw new FormatException($"{family}{series.Key}: le not increasing");
                    if (bounds[i].Value < bounds[i - 1].Value) throw new FormatException($"{family}{series.Key}: buckets not cumulative");
                }
                if (bounds.Count == 0 || !double.IsPositiveInfinity(bounds[^1].Le)) throw new FormatException($"{family}{series.Key}: no +Inf bucket");
                var count = Samples.SingleOrDefault(s => s.Name == family + "_count" && SeriesKey(s.Labels, null) == series.Key)
                    ?? throw new FormatException($"{family}{series.Key}: no _count");
                if (count.Value != bounds[^1].Value) throw new FormatException($"{family}{series.Key}: _count {count.Value} != +Inf bucket {bounds[^1].Value}");
                _ = Samples.SingleOrDefault(s => s.Name == family + "_sum" && SeriesKey(s.Labels, null) == series.Key)
                    ?? throw new FormatException($"{family}{series.Key}: no _sum");
            }
        }
    }

    private static string SeriesKey(IReadOnlyDictionary<string, string> labels, string? except) =>
        "{" + string.Join(",", labels.Where(l => l.Key != except).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";

    private static string FamilyOf(string sampleName, Dictionary<string, string> types)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && types.TryGetValue(sampleName[..^suffix.Length], out var t) && t is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }
        return sampleName;
    }

    private static (string Name, string Remainder) SplitName(string text)
    {
        var space = text.IndexOf(' ');
        var name = space < 0 ? text : text[..space];
        if (!MetricName().IsMatch(name)) throw new FormatException($"invalid metric name \"{name}\"");
        return (name, space < 0 ? "" : text[(space + 1)..]);
    }

    private static Sample ParseSample(string line)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ') i++;
        var name = line[..i];
        if (!MetricName().IsMatch(name)) throw new FormatException($"invalid metric name \"{name}\"");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (line[i] != '}')
            {
                var eq = line.IndexOf('=', i);
                if (eq < 0) throw new FormatException("label without =");
                var label = line[i..eq];
                if (!LabelName().IsMatch(label)) throw new FormatException($"invalid label name \"{label}\"");
                if (line[eq + 1] != '"') throw new FormatException("label value not quoted");
                var value = new StringBuilder();
                var j = eq + 2;
                for (; ; j++)
                {
                    if (j >= line.Length) throw new FormatException("unterminated label value");
                    var c = line[j];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        j++;
                        value.Append(line[j] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"bad escape \\{line[j]} in a label value"),
                        });
                    }
                    else value.Append(c);
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"label {label} repeated");
                i = j + 1;
                if (line[i] == ',') i++;
                else if (line[i] != '}') throw new FormatException("expected , or } after a label");
            }
            i++;
        }
        if (i >= line.Length || line[i] != ' ') throw new FormatException("expected a space before the value");
        var parts = line[(i + 1)..].Split(' ');
        if (parts.Length is < 1 or > 2) throw new FormatException("expected a value and an optional timestamp");
        return new Sample(name, labels, ParseValue(parts[0]));
    }

    private static double ParseValue(string text) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && FloatSyntax().IsMatch(text) => v,
        _ => throw new FormatException($"invalid value \"{text}\""),
    };

    private static string UnescapeHelp(string text)
    {
        var result = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\') { result.Append(text[i]); continue; }
            i++;
            if (i >= text.Length) throw new FormatException("HELP ends with a lone backslash");
            result.Append(text[i] switch { '\\' => '\\', 'n' => '\n', _ => throw new FormatException($"bad escape \\{text[i]} in HELP") });
        }
        return result.ToString();
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    // What Go's strconv.ParseFloat takes in practice from exporters: decimal with optional exponent.
    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")]
    private static partial Regex FloatSyntax();
}
