using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace U2PL.Silo;

/// <summary>
/// <c>/metrics</c> in the Prometheus text format (0.0.4), from Orleans' meters (<c>Microsoft.Orleans*</c>) and ours
/// (<c>U2PL*</c>). Hand-written and small because the package source only serves OpenTelemetry's Prometheus exporter as
/// a beta: counters and up-down counters are summed, histograms give a summary's _count and _sum, observable
/// instruments are read at each scrape and report only what their callbacks return now (a finished run's series go).
/// Names follow <see cref="PrometheusNames"/>; every family has HELP and TYPE, and UNIT (a comment to 0.0.4 readers,
/// OpenMetrics' line) where the name carries a unit.
/// </summary>
internal sealed class PrometheusText : IDisposable
{
    /// <summary>The meters exported, as name prefixes (OpenTelemetry's AddMeter takes them with a trailing <c>*</c>).</summary>
    public static readonly string[] MeterPrefixes = ["Microsoft.Orleans", "U2PL"];

    private readonly MeterListener _listener = new();
    private readonly Lock _scrape = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), double> _values = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), (long Count, double Sum)> _histograms = new();

    public PrometheusText()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (MeterPrefixes.Any(p => instrument.Meter.Name.StartsWith(p, StringComparison.Ordinal)))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.MeasurementsCompleted = (instrument, _) => Forget(instrument, observableOnly: false);
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public string Write()
    {
        KeyValuePair<(Instrument Instrument, string Labels), double>[] values;
        lock (_scrape)
        {
            Forget(null, observableOnly: true);
            _listener.RecordObservableInstruments();
            values = _values.ToArray();
        }
        var text = new StringBuilder();
        foreach (var family in values.GroupBy(v => Family(v.Key.Instrument)).OrderBy(f => f.Key.Name, StringComparer.Ordinal))
        {
            Header(text, family.Key, family.First().Key.Instrument);
            foreach (var (key, value) in family.OrderBy(v => v.Key.Labels, StringComparer.Ordinal))
            {
                text.Append(family.Key.Name).Append(key.Labels).Append(' ').Append(Number(value)).Append('\n');
            }
        }
        foreach (var family in _histograms.ToArray().GroupBy(v => Family(v.Key.Instrument)).OrderBy(f => f.Key.Name, StringComparer.Ordinal))
        {
            Header(text, family.Key, family.First().Key.Instrument);
            foreach (var (key, (count, sum)) in family.OrderBy(v => v.Key.Labels, StringComparer.Ordinal))
            {
                text.Append(family.Key.Name).Append("_count").Append(key.Labels).Append(' ').Append(count).Append('\n');
                text.Append(family.Key.Name).Append("_sum").Append(key.Labels).Append(' ').Append(Number(sum)).Append('\n');
            }
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private readonly record struct MetricFamily(string Name, string Type, string Unit);

    private static MetricFamily Family(Instrument instrument)
    {
        var type = instrument switch
        {
            Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float> => "summary",
            Counter<long> or Counter<int> or Counter<double> or Counter<float>
                or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> or ObservableCounter<float> => "counter",
            _ => "gauge",
        };
        return new MetricFamily(PrometheusNames.Metric(instrument, counter: type == "counter"), type, PrometheusNames.Unit(instrument.Unit, gauge: type == "gauge"));
    }

    private static void Header(StringBuilder text, MetricFamily family, Instrument instrument)
    {
        var help = string.IsNullOrWhiteSpace(instrument.Description) ? $"{instrument.Name} ({instrument.Meter.Name})" : instrument.Description;
        text.Append("# HELP ").Append(family.Name).Append(' ').Append(help.Replace("\\", "\\\\").Replace("\n", "\\n")).Append('\n');
        text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
        // OpenMetrics: the unit must be the name's suffix (a counter's before _total); the 0.0.4 format reads it as a comment.
        if (family.Unit.Length > 0) text.Append("# UNIT ").Append(family.Name).Append(' ').Append(family.Unit).Append('\n');
    }

    private void Record<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        var value = Convert.ToDouble(measurement, CultureInfo.InvariantCulture);
        var key = (instrument, Labels(tags));
        switch (instrument)
        {
            case Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float>:
                _histograms.AddOrUpdate(key, (1, value), (_, old) => (old.Count + 1, old.Sum + value));
                break;
            case { IsObservable: true } or Gauge<long> or Gauge<int> or Gauge<double> or Gauge<float>:
                _values[key] = value;
                break;
            default:
                _values.AddOrUpdate(key, value, (_, old) => old + value);
                break;
        }
    }

    /// <summary>Drops the series of an instrument that is gone, or (before a scrape) those of every observable one.</summary>
    private void Forget(Instrument? instrument, bool observableOnly)
    {
        foreach (var key in _values.Keys)
        {
            if (key.Instrument == instrument || (observableOnly && key.Instrument.IsObservable)) _values.TryRemove(key, out _);
        }
        foreach (var key in _histograms.Keys)
        {
            if (key.Instrument == instrument) _histograms.TryRemove(key, out _);
        }
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var text = Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
            pairs.Add($"{PrometheusNames.Label(key)}=\"{text}\"");
        }
        pairs.Sort(StringComparer.Ordinal);
        return "{" + string.Join(',', pairs) + "}";
    }

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
}
