using System.Net;

namespace U2PL.Client.Tests.Cluster;

/// <summary>
/// The smallest OTLP/HTTP receiver: keeps the body of every POST to <c>/v1/metrics</c> and answers 200 with an empty
/// (valid) protobuf ExportMetricsServiceResponse. Hand-written because the test only needs to see what arrives, and no
/// OpenTelemetry collector is installable here.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly List<byte[]> _metrics = [];
    private readonly Task _serving;

    public OtlpReceiver()
    {
        Port = GrainSiloProcess.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The value of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (the exporter appends <c>/v1/metrics</c>).</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The bodies of the metric exports received so far.</summary>
    public IReadOnlyList<byte[]> Metrics
    {
        get { lock (_metrics) return [.. _metrics]; }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // stopped
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var isMetrics = context.Request.HttpMethod == "POST" && context.Request.Url?.AbsolutePath == "/v1/metrics";
            if (isMetrics)
            {
                lock (_metrics) _metrics.Add(body.ToArray());
            }
            context.Response.StatusCode = isMetrics ? 200 : 404;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _serving;
        _listener.Close();
    }
}
