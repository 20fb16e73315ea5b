using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace U2PL.Silo;

/// <summary>
/// <c>/metrics</c> in Prometheus text format, from Orleans' meters (<c>Microsoft.Orleans*</c>) and ours (<c>U2PL*</c>).
/// Hand-written and small because the package source only serves OpenTelemetry's Prometheus exporter as a beta:
/// counters and up-down counters are summed, histograms give _count and _sum, observable instruments are read at
/// each scrape.
/// </summary>
internal sealed class PrometheusText : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), double> _values = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), (long Count, double Sum)> _histograms = new();

    public PrometheusText()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal) || instrument.Meter.Name.StartsWith("U2PL", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<float>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    public string Write()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in _values.GroupBy(v => v.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var name = Name(group.Key);
            text.Append("# TYPE ").Append(name).Append(group.Key is Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<double> ? " counter\n" : " gauge\n");
            foreach (var (key, value) in group) text.Append(name).Append(key.Labels).Append(' ').Append(Number(value)).Append('\n');
        }
        foreach (var group in _histograms.GroupBy(v => v.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var name = Name(group.Key);
            text.Append("# TYPE ").Append(name).Append(" summary\n");
            foreach (var (key, (count, sum)) in group)
            {
                text.Append(name).Append("_count").Append(key.Labels).Append(' ').Append(count).Append('\n');
                text.Append(name).Append("_sum").Append(key.Labels).Append(' ').Append(Number(sum)).Append('\n');
            }
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record<T>(Instrument instrument, T measurement, ReadOnlySpan<KeyValuePair<string, object?>> tags) where T : struct
    {
        var value = Convert.ToDouble(measurement, CultureInfo.InvariantCulture);
        var key = (instrument, Labels(tags));
        switch (instrument)
        {
            case Histogram<long> or Histogram<int> or Histogram<double> or Histogram<float>:
                _histograms.AddOrUpdate(key, (1, value), (_, old) => (old.Count + 1, old.Sum + value));
                break;
            case ObservableGauge<long> or ObservableGauge<int> or ObservableGauge<double> or ObservableGauge<float>
                or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double>
                or ObservableUpDownCounter<long> or ObservableUpDownCounter<int> or ObservableUpDownCounter<double> or Gauge<long> or Gauge<double>:
                _values[key] = value;
                break;
            default:
                _values.AddOrUpdate(key, value, (_, old) => old + value);
                break;
        }
    }

    private static string Name(Instrument instrument)
    {
        var name = new StringBuilder();
        foreach (var c in instrument.Name) name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
        return name.ToString();
    }

    private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0) return "";
        var pairs = new List<string>(tags.Length);
        foreach (var (key, value) in tags)
        {
            var label = new StringBuilder();
            foreach (var c in key) label.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
            var text = Convert.ToString(value, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n");
            pairs.Add($"{label}=\"{text}\"");
        }
        pairs.Sort(StringComparer.Ordinal);
        return "{" + string.Join(',', pairs) + "}";
    }

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : value > 0 ? "+Inf" : value < 0 ? "-Inf" : "NaN";
}
