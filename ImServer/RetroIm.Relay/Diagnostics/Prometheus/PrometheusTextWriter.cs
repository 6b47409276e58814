using System.Globalization;
using System.Text;

namespace RetroIm.Relay.Diagnostics.Prometheus;

/// <summary>
/// Writes metric families in the Prometheus text exposition format 0.0.4:
/// <code>
/// # HELP retroim_relay_connects_total Accepted connections
/// # TYPE retroim_relay_connects_total counter
/// retroim_relay_connects_total 12
/// # TYPE retroim_redis_command_duration_seconds histogram
/// retroim_redis_command_duration_seconds_bucket{le="0.001"} 40
/// retroim_redis_command_duration_seconds_bucket{le="+Inf"} 42
/// retroim_redis_command_duration_seconds_sum 0.031
/// retroim_redis_command_duration_seconds_count 42
/// </code>
/// Label values escape <c>\</c>, <c>"</c> and newlines; HELP text escapes <c>\</c> and newlines.
/// </summary>
internal static class PrometheusTextWriter
{
    /// <summary>The Content-Type of the format.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(StringBuilder output, IEnumerable<MetricFamily> families)
    {
        foreach (var family in families)
        {
            var series = family.Snapshot();
            output.Append("# HELP ").Append(family.Name).Append(' ');
            AppendEscaped(output, family.Help, escapeQuote: false);
            output.Append('\n');
            output.Append("# TYPE ").Append(family.Name).Append(' ').Append(TypeName(family.Type)).Append('\n');
            foreach (var s in series)
            {
                if (family.Type == MetricType.Histogram) WriteHistogram(output, family, s);
                else WriteSample(output, family.Name, s.Labels, null, s.Value);
            }
        }
    }

    private static void WriteHistogram(StringBuilder output, MetricFamily family, MetricSeries series)
    {
        var cumulative = series.CumulativeBuckets();
        var bucket = family.Name + "_bucket";
        for (var i = 0; i < family.Bounds.Length; i++)
        {
            WriteSample(output, bucket, series.Labels, FormatDouble(family.Bounds[i]), cumulative[i]);
        }
        var count = cumulative[^1];
        WriteSample(output, bucket, series.Labels, "+Inf", count);
        WriteSample(output, family.Name + "_sum", series.Labels, null, series.Sum);
        WriteSample(output, family.Name + "_count", series.Labels, null, count);
    }

    private static void WriteSample(StringBuilder output, string name, KeyValuePair<string, string>[] labels, string? le, double value)
    {
        output.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            output.Append('{');
            var first = true;
            foreach (var (label, text) in labels)
            {
                if (!first) output.Append(',');
                first = false;
                output.Append(label).Append("=\"");
                AppendEscaped(output, text, escapeQuote: true);
                output.Append('"');
            }
            if (le is not null)
            {
                if (!first) output.Append(',');
                output.Append("le=\"").Append(le).Append('"');
            }
            output.Append('}');
        }
        output.Append(' ').Append(FormatDouble(value)).Append('\n');
    }

    /// <summary>Go's ParseFloat reads these: shortest round-trip digits, NaN, +Inf, -Inf.</summary>
    public static string FormatDouble(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        _ when double.IsNaN(value) => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        _ => "histogram",
    };

    private static void AppendEscaped(StringBuilder output, string text, bool escapeQuote)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\': output.Append("\\\\"); break;
                case '\n': output.Append("\\n"); break;
                case '"' when escapeQuote: output.Append("\\\""); break;
                default: output.Append(c); break;
            }
        }
    }
}
