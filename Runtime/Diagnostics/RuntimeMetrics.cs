using System.Diagnostics.Metrics;
using U2PL.Runtime.Networking;

namespace U2PL.Runtime.Diagnostics;

/// <summary>
/// The runtime's instruments (meter <c>U2PL.Runtime</c>): calls made (rate: calls/s) and their latency, requests
/// handled, bytes, activations, rejected connections and frames, fenced writes. Totals are also kept here for the silo's <c>/metrics</c> endpoint.
/// </summary>
public sealed class RuntimeMetrics : IDisposable
{
    /// <summary>The meter name, for OpenTelemetry or <c>dotnet-counters</c>.</summary>
    public const string MeterName = "U2PL.Runtime";

    private readonly Meter _meter;
    private readonly Counter<long> _calls;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _fencedWrites;
    private readonly Counter<long> _handled;
    private long _totalCallMicroseconds, _totalHandled;
    private long _totalCalls, _totalFailedCalls, _totalBytesSent, _totalBytesReceived, _totalRejected, _totalFenced, _activations;
    private readonly long[] _rejectedByReason = new long[Enum.GetValues<RejectReason>().Length];

    /// <summary>Creates the instruments.</summary>
    public RuntimeMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _calls = _meter.CreateCounter<long>("u2pl.calls", "{call}", "Grain calls completed by this process (as caller).");
        _callDuration = _meter.CreateHistogram<double>("u2pl.call.duration", "ms", "Grain call latency seen by the caller.");
        _bytesSent = _meter.CreateCounter<long>("u2pl.bytes.sent", "By", "Bytes written to connections.");
        _bytesReceived = _meter.CreateCounter<long>("u2pl.bytes.received", "By", "Bytes read from connections.");
        _rejected = _meter.CreateCounter<long>("u2pl.connections.rejected", "{connection}", "Connections closed for unauthenticated, malformed, oversized or unknown-version input.");
        _fencedWrites = _meter.CreateCounter<long>("u2pl.storage.fenced_writes", "{write}", "State writes refused because the activation's epoch was stale.");
        _handled = _meter.CreateCounter<long>("u2pl.requests.handled", "{request}", "Grain requests handled by activations of this silo (as callee).");
        _meter.CreateObservableGauge("u2pl.activations", () => Interlocked.Read(ref _activations), "{activation}", "Grain activations hosted.");
    }

    /// <summary>Calls completed.</summary>
    public long TotalCalls => Interlocked.Read(ref _totalCalls);

    /// <summary>Rejected connections/frames, all reasons.</summary>
    public long TotalRejected => Interlocked.Read(ref _totalRejected);

    /// <summary>Rejections of one reason.</summary>
    public long Rejected(RejectReason reason) => Interlocked.Read(ref _rejectedByReason[(int)reason]);

    /// <summary>Current activations.</summary>
    public long Activations => Interlocked.Read(ref _activations);

    /// <summary>Records a completed call.</summary>
    public void CallCompleted(double milliseconds, bool failed)
    {
        Interlocked.Increment(ref _totalCalls);
        if (failed) Interlocked.Increment(ref _totalFailedCalls);
        _calls.Add(1, new KeyValuePair<string, object?>("failed", failed));
        _callDuration.Record(milliseconds);
        Interlocked.Add(ref _totalCallMicroseconds, (long)(milliseconds * 1000));
    }

    /// <summary>Records a request handed to an activation of this silo.</summary>
    public void RequestHandled()
    {
        Interlocked.Increment(ref _totalHandled);
        _handled.Add(1);
    }

    /// <summary>Records bytes written.</summary>
    public void BytesSent(long count)
    {
        Interlocked.Add(ref _totalBytesSent, count);
        _bytesSent.Add(count);
    }

    /// <summary>Records bytes read.</summary>
    public void BytesReceived(long count)
    {
        Interlocked.Add(ref _totalBytesReceived, count);
        _bytesReceived.Add(count);
    }

    /// <summary>Records a rejected connection or frame.</summary>
    public void Rejection(RejectReason reason)
    {
        Interlocked.Increment(ref _totalRejected);
        Interlocked.Increment(ref _rejectedByReason[(int)reason]);
        _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    /// <summary>Records a refused (fenced) write.</summary>
    public void FencedWrite()
    {
        Interlocked.Increment(ref _totalFenced);
        _fencedWrites.Add(1);
    }

    /// <summary>Records an activation created (+1) or ended (-1).</summary>
    public void ActivationDelta(int delta) => Interlocked.Add(ref _activations, delta);

    /// <summary>Totals in Prometheus text form, for <c>/metrics</c>.</summary>
    public string ToPrometheusText()
    {
        var lines = new List<string>
        {
            $"u2pl_calls_total {TotalCalls}",
            $"u2pl_calls_failed_total {Interlocked.Read(ref _totalFailedCalls)}",
            $"u2pl_call_duration_ms_sum {(Interlocked.Read(ref _totalCallMicroseconds) / 1000.0).ToString("F3", System.Globalization.CultureInfo.InvariantCulture)}",
            $"u2pl_call_duration_ms_count {TotalCalls}",
            $"u2pl_requests_handled_total {Interlocked.Read(ref _totalHandled)}",
            $"u2pl_bytes_sent_total {Interlocked.Read(ref _totalBytesSent)}",
            $"u2pl_bytes_received_total {Interlocked.Read(ref _totalBytesReceived)}",
            $"u2pl_activations {Activations}",
            $"u2pl_storage_fenced_writes_total {Interlocked.Read(ref _totalFenced)}",
        };
        foreach (var reason in Enum.GetValues<RejectReason>())
            lines.Add($"u2pl_connections_rejected_total{{reason=\"{reason}\"}} {Rejected(reason)}");
        return string.Join('\n', lines) + "\n";
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
