namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// The tensor data plane of the silo containers (issue 22): on, on the silo's default port passed explicitly as
/// <c>--data-plane-port</c>, opened as the container port <c>data-plane</c>, checked by a probe on that named port, and
/// exposed by every Service that exposes the silo port. Each check returns every problem it finds.
/// </summary>
internal static class DataPlaneChecks
{
    public const string PortName = "data-plane";

    public static IEnumerable<string> Ports(List<SiloContainer> silos, int defaultPort)
    {
        foreach (var silo in silos)
        {
            if (!silo.Flags.DataPlane) { yield return $"{silo}: runs without the data plane (--no-data-plane)"; continue; }
            if (silo.RawFlag("--data-plane-port") is null) yield return $"{silo}: --data-plane-port is not passed (the container port must not rest on the silo's default)";
            if (silo.Flags.DataPlanePort != defaultPort) yield return $"{silo}: --data-plane-port {silo.Flags.DataPlanePort}, the silo's default is {defaultPort}";
            var declared = silo.ResolvePort(PortName);
            if (declared != silo.Flags.DataPlanePort)
                yield return $"{silo}: container port '{PortName}' is {declared?.ToString() ?? "missing"}, the data plane listens on {silo.Flags.DataPlanePort}";
        }
    }

    /// <summary>
    /// A probe reaches the data plane by the port's name. It is the startup probe: readiness stays /readyz, and a
    /// tcpSocket liveness probe would hand the data plane a connection dropped before its TLS handshake every period.
    /// </summary>
    public static IEnumerable<string> Probe(List<SiloContainer> silos)
    {
        foreach (var silo in silos)
        {
            var onDataPlane = new[] { "startupProbe", "livenessProbe", "readinessProbe" }
                .Select(kind => (Kind: kind, Port: silo.Container.Str(kind, "tcpSocket", "port") ?? silo.Container.Str(kind, "httpGet", "port") ?? silo.Container.Str(kind, "grpc", "port")))
                .Where(p => p.Port is not null && silo.ResolvePort(p.Port) == silo.Flags.DataPlanePort).ToList();
            if (onDataPlane.Count == 0) yield return $"{silo}: no probe checks the data plane's port {silo.Flags.DataPlanePort}";
            foreach (var (kind, port) in onDataPlane)
            {
                if (port != PortName) yield return $"{silo}: {kind} reaches the data plane as '{port}', not by the port's name '{PortName}'";
                if (kind != "startupProbe") yield return $"{silo}: {kind} on the data plane: a probe there every period is a dropped handshake every period";
                if (silo.Container.Map(kind, "tcpSocket") is null) yield return $"{silo}: {kind} on the data plane is not a tcpSocket check (it speaks neither HTTP nor gRPC)";
            }
        }
    }

    /// <summary>Every Service that sends to the silo port of a silo also names a port that sends to its data plane.</summary>
    public static IEnumerable<string> Services(Manifest manifest, List<SiloContainer> silos)
    {
        var exposingSilo = 0;
        foreach (var service in manifest.OfKind("Service"))
        {
            var selector = service.Root.StringMap("spec", "selector");
            if (selector.Count == 0) continue;
            var ports = service.Root.Maps("spec", "ports").ToList();
            foreach (var silo in silos.Where(s => s.Workload.Owner.Namespace == service.Namespace &&
                                                  selector.All(kv => s.Workload.Labels.GetValueOrDefault(kv.Key) == kv.Value)))
            {
                int? Target(YamlDotNet.RepresentationModel.YamlMappingNode port) => silo.ResolvePort(port.Str("targetPort") ?? port.Str("port"));
                if (!ports.Any(p => Target(p) == silo.Flags.Port)) continue;
                exposingSilo++;
                var dataPlane = ports.Where(p => Target(p) == silo.Flags.DataPlanePort).ToList();
                if (dataPlane.Count == 0) yield return $"Service {service.Name} exposes the silo port of {silo} but not its data plane ({silo.Flags.DataPlanePort})";
                foreach (var port in dataPlane.Where(p => string.IsNullOrEmpty(p.Str("name"))))
                    yield return $"Service {service.Name}: the data plane's port {port.Str("port")} has no name";
            }
        }
        if (exposingSilo == 0) yield return "no Service exposes a silo's silo port";
    }
}
