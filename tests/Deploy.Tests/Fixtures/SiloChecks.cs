namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// The silo containers of a manifest against the real silo: flags its parser accepts, ports, probes, drain time, GPU
/// slots and environment. Each check returns every problem it finds, so that one failure names them all.
/// </summary>
internal static class SiloChecks
{
    public static IEnumerable<string> Flags(List<SiloContainer> silos)
    {
        foreach (var silo in silos)
        {
            foreach (var problem in silo.Flags.Problems.Concat(silo.Environment.Problems)) yield return $"{silo}: {problem}";
            if (!U2PL.Grains.Hosting.RedisEndpoint.IsRedis(silo.Flags.Cluster))
                yield return $"{silo}: --cluster {silo.Flags.Cluster} is not the cluster's Redis (redis://...); pods need a shared store";
            else
            {
                string? error = null;
                try { U2PL.Grains.Hosting.RedisEndpoint.Parse(silo.Flags.Cluster); }
                catch (ArgumentException e) { error = e.Message; }
                if (error is not null) yield return $"{silo}: --cluster is not a valid Redis address: {error}";
            }
            if (silo.RawFlag("--host") is not { } host || !silo.Environment.PodIpVariables.Any(v => host == $"$({v})"))
                yield return $"{silo}: --host must be $(VAR) with VAR from the downward API status.podIP (got '{silo.RawFlag("--host")}')";
            if (silo.Flags.Listen != "0.0.0.0") yield return $"{silo}: --listen {silo.Flags.Listen} does not accept traffic on the pod IP";
            var expectedRole = silo.Workload.Labels.GetValueOrDefault("app.kubernetes.io/component") switch
            {
                "state-silo" => "state", "gpu-silo" => "gpu", var other => other,
            };
            if (!silo.Flags.Roles.SequenceEqual([expectedRole])) yield return $"{silo}: --role {string.Join(',', silo.Flags.Roles)}, expected {expectedRole}";
        }
        foreach (var different in new[] { ("cluster id", silos.Select(s => s.Flags.ClusterId)), ("cluster store", silos.Select(s => s.Flags.Cluster)) })
        {
            if (different.Item2.Distinct().Count() > 1) yield return $"the silos do not share one {different.Item1}";
        }
    }

    /// <summary>
    /// What Orleans' Kubernetes hosting (UseKubernetesHosting) needs of a silo pod: POD_NAME, POD_NAMESPACE and POD_IP
    /// from the downward API, the labels orleans/serviceId (the silo's ServiceId) and orleans/clusterId (its
    /// --cluster-id) passed as ORLEANS_SERVICE_ID and ORLEANS_CLUSTER_ID, and a service account token whose Role may
    /// get, list, watch, patch and delete the namespace's pods.
    /// </summary>
    public static IEnumerable<string> KubernetesHosting(List<SiloContainer> silos, Manifest manifest, string serviceId)
    {
        foreach (var silo in silos)
        {
            var fields = silo.Environment.FieldVariables;
            foreach (var (name, field) in new[]
                     {
                         (OrleansKubernetes.PodNameEnvironmentVariable, "metadata.name"),
                         (OrleansKubernetes.PodNamespaceEnvironmentVariable, "metadata.namespace"),
                         (OrleansKubernetes.PodIPEnvironmentVariable, "status.podIP"),
                         (OrleansKubernetes.ServiceIdEnvironmentVariable, $"metadata.labels['{OrleansKubernetes.ServiceIdLabel}']"),
                         (OrleansKubernetes.ClusterIdEnvironmentVariable, $"metadata.labels['{OrleansKubernetes.ClusterIdLabel}']"),
                     })
            {
                if (fields.GetValueOrDefault(name) != field) yield return $"{silo}: env {name} must come from the downward API {field} (got {fields.GetValueOrDefault(name) ?? "nothing"})";
            }
            var labels = silo.Workload.Labels;
            if (labels.GetValueOrDefault(OrleansKubernetes.ServiceIdLabel) != serviceId)
                yield return $"{silo}: pod label {OrleansKubernetes.ServiceIdLabel} is '{labels.GetValueOrDefault(OrleansKubernetes.ServiceIdLabel)}', the silo's ServiceId is '{serviceId}'";
            if (labels.GetValueOrDefault(OrleansKubernetes.ClusterIdLabel) != silo.Flags.ClusterId)
                yield return $"{silo}: pod label {OrleansKubernetes.ClusterIdLabel} is '{labels.GetValueOrDefault(OrleansKubernetes.ClusterIdLabel)}', --cluster-id is '{silo.Flags.ClusterId}'";
            var account = silo.Workload.Spec.Str("serviceAccountName") ?? "default";
            if (silo.Workload.Spec.Str("automountServiceAccountToken") == "false")
                yield return $"{silo}: automountServiceAccountToken is false: the silo has no token for the Kubernetes API";
            if (manifest.Find("ServiceAccount", account) is null && account != "default")
                yield return $"{silo}: ServiceAccount {account} is missing";
            var missing = OrleansKubernetes.PodVerbs.Except(GrantedPodVerbs(manifest, account, silo.Workload.Owner.Namespace)).ToList();
            if (missing.Count > 0)
                yield return $"{silo}: ServiceAccount {account} may not {string.Join(", ", missing)} pods (no RoleBinding to a Role granting it)";
        }
    }

    private static IEnumerable<string> GrantedPodVerbs(Manifest manifest, string account, string? ns)
    {
        foreach (var binding in manifest.OfKind("RoleBinding"))
        {
            var bound = binding.Root.Maps("subjects").Any(s => s.Str("kind") == "ServiceAccount" && s.Str("name") == account &&
                                                             (s.Str("namespace") ?? binding.Namespace) == ns);
            if (!bound || binding.Root.Str("roleRef", "kind") != "Role" || binding.Namespace != ns) continue;
            var role = manifest.OfKind("Role").FirstOrDefault(r => r.Name == binding.Root.Str("roleRef", "name") && r.Namespace == ns);
            foreach (var rule in role?.Root.Maps("rules") ?? [])
            {
                if (rule.Strings("apiGroups").Contains("") && rule.Strings("resources").Contains("pods"))
                    foreach (var verb in rule.Strings("verbs")) yield return verb;
            }
        }
    }

    public static IEnumerable<string> Ports(List<SiloContainer> silos, IReadOnlySet<string> healthPaths)
    {
        foreach (var silo in silos)
        {
            var declared = silo.Container.Maps("ports").ToDictionary(p => p.Str("name") ?? "", p => p.Int("containerPort"));
            foreach (var (name, port) in new[] { ("silo", silo.Flags.Port), ("gateway", silo.Flags.GatewayPort), ("health", silo.Flags.HealthPort),
                                             (DataPlaneChecks.PortName, silo.Flags.DataPlane ? silo.Flags.DataPlanePort : 0) })
            {
                if (port == 0) continue;
                if (declared.GetValueOrDefault(name) != port) yield return $"{silo}: container port '{name}' is {declared.GetValueOrDefault(name)?.ToString() ?? "missing"}, the silo listens on {port}";
            }
            foreach (var (probe, path) in new[] { ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", null) })
            {
                var http = silo.Container.Map(probe, "httpGet");
                if (http is null) { if (path is not null) yield return $"{silo}: no {probe} httpGet"; continue; }
                if (silo.ResolvePort(http.Str("port")) != silo.Flags.HealthPort) yield return $"{silo}: {probe} port {http.Str("port")} is not the health port {silo.Flags.HealthPort}";
                if (!healthPaths.Contains(http.Str("path") ?? "")) yield return $"{silo}: {probe} path {http.Str("path")} is not served (the silo serves {string.Join(", ", healthPaths)})";
                if (path is not null && http.Str("path") != path) yield return $"{silo}: {probe} should probe {path}, not {http.Str("path")}";
            }
            var annotations = silo.Workload.Annotations;
            if (annotations.TryGetValue("prometheus.io/port", out var scrapePort) && scrapePort != silo.Flags.HealthPort.ToString())
                yield return $"{silo}: prometheus.io/port {scrapePort} is not the health port {silo.Flags.HealthPort}";
            if (annotations.TryGetValue("prometheus.io/path", out var scrapePath) && !healthPaths.Contains(scrapePath))
                yield return $"{silo}: prometheus.io/path {scrapePath} is not served";
        }
    }

    /// <summary>preStop + the silo's own shutdown timeout must fit in the grace period, or the kubelet kills the drain.</summary>
    public static IEnumerable<string> Drain(List<SiloContainer> silos, TimeSpan shutdownTimeout)
    {
        foreach (var silo in silos)
        {
            var grace = silo.Workload.Spec.Int("terminationGracePeriodSeconds") ?? 30;
            var preStop = silo.Container.Map("lifecycle", "preStop");
            var sleep = preStop.Int("sleep", "seconds")
                ?? (preStop.Strings("exec", "command").ToList() is ["sleep", var s] && int.TryParse(s, out var n) ? n : (int?)null);
            if (sleep is null) yield return $"{silo}: no preStop sleep (the endpoints must drop the pod before SIGTERM)";
            var needed = (sleep ?? 0) + shutdownTimeout.TotalSeconds + 5;
            if (grace < needed) yield return $"{silo}: terminationGracePeriodSeconds {grace} < preStop {sleep ?? 0} s + drain {shutdownTimeout.TotalSeconds} s + 5 s";
        }
    }

    /// <summary>Workers per silo = GPUs per pod; state silos get neither. <paramref name="expectGpus"/>: the overlay's GPU silos must request GPUs.</summary>
    public static IEnumerable<string> GpuSlots(List<SiloContainer> silos, bool expectGpus)
    {
        foreach (var silo in silos)
        {
            var gpus = silo.Limit("nvidia.com/gpu");
            var hostsWorkers = silo.Flags.Roles.Any(r => r is "gpu" or "all");
            if (!hostsWorkers)
            {
                if (silo.Flags.GpuSlots != 0 || gpus is not null) yield return $"{silo}: a {string.Join(',', silo.Flags.Roles)} silo with GPU slots {silo.Flags.GpuSlots} / nvidia.com/gpu {gpus}";
                continue;
            }
            if (silo.Flags.GpuSlots < 1) yield return $"{silo}: a gpu silo with --gpu-slots {silo.Flags.GpuSlots} hosts no worker";
            if (expectGpus && gpus is null) yield return $"{silo}: no nvidia.com/gpu limit";
            if (!expectGpus && gpus is not null) yield return $"{silo}: nvidia.com/gpu {gpus} in a CPU-only overlay";
            if (gpus is not null)
            {
                if (gpus != silo.Flags.GpuSlots.ToString()) yield return $"{silo}: nvidia.com/gpu {gpus} but --gpu-slots {silo.Flags.GpuSlots}";
                if (silo.Workload.Spec.Map("nodeSelector") is null && silo.Workload.Spec.Map("affinity", "nodeAffinity") is null)
                    yield return $"{silo}: GPUs requested without a nodeSelector/nodeAffinity for the GPU pool";
                if (!silo.Workload.Spec.Maps("tolerations").Any()) yield return $"{silo}: GPUs requested without tolerations for the GPU pool's taints";
            }
        }
    }
}
