using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace U2PL.Silo;

/// <summary>The silo's HTTP endpoints: <c>/healthz</c> (process up), <c>/readyz</c> (active in the membership), <c>/metrics</c>.</summary>
internal static class SiloEndpoints
{
    public const string DashboardRoute = "/dashboard";

    public static IEndpointRouteBuilder MapSiloHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => Results.Text("ok"));
        endpoints.MapGet("/readyz", (IClusterMembershipService membership, ILocalSiloDetails local) =>
        {
            var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
            return status == SiloStatus.Active
                ? Results.Text($"active {local.SiloAddress}")
                : Results.Text($"{status} {local.SiloAddress}", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        endpoints.MapGet("/metrics", (PrometheusText metrics) => Results.Text(metrics.Write(), "text/plain; version=0.0.4"));
        return endpoints;
    }
}
