using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace U2PL.Silo;

/// <summary>
/// Orleans' meters and ours over OTLP, through OpenTelemetry .NET, when the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// (or <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>) is set. OpenTelemetry itself reads the other standard variables:
/// <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>/<c>_HEADERS</c>/<c>_TIMEOUT</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>,
/// <c>OTEL_SERVICE_NAME</c> and <c>OTEL_RESOURCE_ATTRIBUTES</c> (which override the service name <c>u2pl-silo</c>).
/// </summary>
internal static partial class OtlpMetrics
{
    public const string ServiceName = "u2pl-silo";

    /// <summary>Adds the exporter if the configuration (environment variables included) names an OTLP endpoint; says whether it did.</summary>
    public static bool AddOtlpMetricsWhenConfigured(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) && string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"]))
        {
            return false;
        }
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName).AddEnvironmentVariableDetector())
            .WithMetrics(metrics => metrics.AddMeter([.. PrometheusText.MeterPrefixes.Select(p => p + "*")]).AddOtlpExporter());
        services.AddHostedService<StartNotice>();
        return true;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "metrics: OTLP export to {Endpoint} ({Protocol}) every {IntervalMs} ms")]
    private static partial void Exporting(ILogger logger, string endpoint, string protocol, string intervalMs);

    /// <summary>Says at start-up where the metrics go (an exporter that cannot reach its collector only logs to OpenTelemetry's own event source).</summary>
    private sealed class StartNotice(ILogger<StartNotice> logger, IConfiguration configuration) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            Exporting(logger, configuration["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] ?? configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "",
                configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc", configuration["OTEL_METRIC_EXPORT_INTERVAL"] ?? "60000");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
