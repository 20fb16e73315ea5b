using System.Diagnostics.Metrics;
using System.Text;

namespace U2PL.Silo;

/// <summary>
/// OpenTelemetry instrument and attribute names as Prometheus names, the way OpenTelemetry's "Prometheus and
/// OpenMetrics compatibility" specification maps them (dots and other characters to <c>_</c>, the unit as a suffix,
/// <c>_ratio</c> for gauges of unit 1, <c>_total</c> for counters). Hand-written because that mapping lives in the
/// beta Prometheus exporter only (DESIGN §2).
/// </summary>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds", ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes", ["TiBy"] = "tibibytes", ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes",
        ["TBy"] = "terabytes", ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts",
        ["g"] = "grams", ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    /// <summary>The metric name: <c>u2pl.training.images</c> ({image}, counter) is <c>u2pl_training_images_total</c>.</summary>
    public static string Metric(Instrument instrument, bool counter)
    {
        var name = Sanitize(instrument.Name);
        var unit = Unit(instrument.Unit, gauge: !counter);
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal)) name += "_" + unit;
        if (counter && !name.EndsWith("_total", StringComparison.Ordinal)) name += "_total";
        return name;
    }

    /// <summary>The unit suffix: <c>s</c> is <c>seconds</c>, <c>{image}/s</c> is <c>per_second</c>, annotations alone are none.</summary>
    public static string Unit(string? unit, bool gauge)
    {
        if (string.IsNullOrWhiteSpace(unit)) return "";
        if (unit == "1") return gauge ? "ratio" : "";
        var slash = unit.IndexOf('/', StringComparison.Ordinal);
        var (of, per) = slash < 0 ? (unit, "") : (unit[..slash], unit[(slash + 1)..]);
        of = WithoutAnnotations(of);
        per = WithoutAnnotations(per);
        var text = Units.TryGetValue(of, out var known) ? known : Sanitize(of);
        if (per.Length > 0) text = (text.Length > 0 ? text + "_" : "") + "per_" + (PerUnits.TryGetValue(per, out var perKnown) ? perKnown : Sanitize(per));
        return text.Trim('_');
    }

    /// <summary>A label name: <c>u2pl.run.id</c> is <c>u2pl_run_id</c>.</summary>
    public static string Label(string key) => Sanitize(key);

    private static string WithoutAnnotations(string unit)
    {
        var text = new StringBuilder();
        var depth = 0;
        foreach (var c in unit)
        {
            if (c == '{') depth++;
            else if (c == '}') depth = Math.Max(0, depth - 1);
            else if (depth == 0) text.Append(c);
        }
        return text.ToString().Trim();
    }

    /// <summary>Characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>, runs of <c>_</c> one; a leading digit gets a <c>_</c>.</summary>
    private static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length + 1);
        foreach (var c in name)
        {
            var next = char.IsAsciiLetterOrDigit(c) ? c : '_';
            if (next == '_' && text.Length > 0 && text[^1] == '_') continue;
            text.Append(next);
        }
        if (text.Length > 0 && char.IsAsciiDigit(text[0])) text.Insert(0, '_');
        return text.ToString();
    }
}
