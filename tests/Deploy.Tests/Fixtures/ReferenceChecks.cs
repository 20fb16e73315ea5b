namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>What the workloads refer to exists in the same overlay: Secrets and ConfigMaps with their keys, claims, Services' pods and ports.</summary>
internal static class ReferenceChecks
{
    public static IEnumerable<string> ConfigAndSecrets(Manifest manifest)
    {
        foreach (var workload in manifest.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                foreach (var problem in ContainerEnvironment.Of(container, manifest, podLabels: workload.Labels).Problems) yield return $"{workload}/{container.Str("name")}: {problem}";
                foreach (var from in container.Maps("envFrom"))
                {
                    if (from.Str("secretRef", "name") is { } s && manifest.Find("Secret", s) is null) yield return $"{workload}: envFrom Secret {s} is missing";
                    if (from.Str("configMapRef", "name") is { } c && manifest.Find("ConfigMap", c) is null) yield return $"{workload}: envFrom ConfigMap {c} is missing";
                }
            }
            var claimTemplates = workload.Owner.Root.Maps("spec", "volumeClaimTemplates").Select(t => t.Str("metadata", "name")).ToHashSet();
            foreach (var volume in workload.Spec.Maps("volumes"))
            {
                var name = volume.Str("name");
                if (volume.Str("secret", "secretName") is { } secret)
                {
                    if (manifest.Find("Secret", secret) is null) yield return $"{workload}: volume {name}: Secret {secret} is missing";
                    foreach (var item in volume.Maps("secret", "items").Where(i => !manifest.Keys("Secret", secret).Contains(i.Str("key"))))
                        yield return $"{workload}: volume {name}: Secret {secret} has no key {item.Str("key")}";
                }
                if (volume.Str("configMap", "name") is { } configMap && manifest.Find("ConfigMap", configMap) is null)
                    yield return $"{workload}: volume {name}: ConfigMap {configMap} is missing";
                if (volume.Str("persistentVolumeClaim", "claimName") is { } claim && manifest.Find("PersistentVolumeClaim", claim) is null)
                    yield return $"{workload}: volume {name}: PersistentVolumeClaim {claim} is missing";
            }
            var volumes = workload.Spec.Maps("volumes").Select(v => v.Str("name")).Concat(claimTemplates).ToHashSet();
            foreach (var container in workload.Containers)
            {
                foreach (var mount in container.Maps("volumeMounts").Where(m => !volumes.Contains(m.Str("name"))))
                    yield return $"{workload}/{container.Str("name")}: volumeMount {mount.Str("name")} has no volume";
            }
        }
        foreach (var secret in manifest.OfKind("Secret"))
        {
            foreach (var key in manifest.Keys("Secret", secret.Name))
            {
                var value = manifest.Value("Secret", secret.Name, key) ?? "";
                if (value.Trim() != value) yield return $"Secret {secret.Name}/{key} has leading or trailing whitespace (a newline at the end of the file?)";
            }
        }
    }

    /// <summary>An environment variable that names a file (<c>*_FILE</c>) must point at a key of a mounted Secret or ConfigMap.</summary>
    public static IEnumerable<string> FileVariables(Manifest manifest)
    {
        foreach (var workload in manifest.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                var environment = ContainerEnvironment.Of(container, manifest, podLabels: workload.Labels);
                foreach (var (name, path) in environment.Variables.Where(v => v.Key.EndsWith("_FILE", StringComparison.Ordinal)))
                {
                    var mount = container.Maps("volumeMounts").FirstOrDefault(m => path.StartsWith((m.Str("mountPath") ?? "").TrimEnd('/') + "/", StringComparison.Ordinal));
                    var volume = workload.Spec.Maps("volumes").FirstOrDefault(v => v.Str("name") == mount?.Str("name"));
                    var key = mount is null ? null : path[((mount.Str("mountPath") ?? "").TrimEnd('/').Length + 1)..];
                    var (kind, source) = volume?.Str("secret", "secretName") is { } s ? ("Secret", s) : volume?.Str("configMap", "name") is { } c ? ("ConfigMap", c) : ("", "");
                    if (kind == "") yield return $"{workload}: {name}={path} is not inside a mounted Secret or ConfigMap";
                    else if (!manifest.Keys(kind, source).Contains(key)) yield return $"{workload}: {name}={path}: {kind} {source} has no key '{key}'";
                }
            }
        }
    }

    /// <summary>Each Service selects pods, and each of its target ports is a port of every container group it selects.</summary>
    public static IEnumerable<string> Services(Manifest manifest)
    {
        foreach (var service in manifest.OfKind("Service"))
        {
            var selector = service.Root.StringMap("spec", "selector");
            var selected = manifest.Workloads.Where(w => selector.Count > 0 && selector.All(kv => w.Labels.GetValueOrDefault(kv.Key) == kv.Value)).ToList();
            if (selected.Count == 0) { yield return $"Service {service.Name} selects no pods ({string.Join(",", selector)})"; continue; }
            foreach (var port in service.Root.Maps("spec", "ports"))
            {
                var target = port.Str("targetPort") ?? port.Str("port");
                foreach (var workload in selected)
                {
                    var ports = workload.Spec.Maps("containers").SelectMany(c => c.Maps("ports")).ToList();
                    if (!ports.Any(p => p.Str("name") == target || p.Str("containerPort") == target))
                        yield return $"Service {service.Name} port {port.Str("name")}: target {target} is not a port of {workload}";
                }
            }
        }
        foreach (var pdb in manifest.OfKind("PodDisruptionBudget"))
        {
            var selector = pdb.Root.StringMap("spec", "selector", "matchLabels");
            if (!manifest.Workloads.Any(w => selector.All(kv => w.Labels.GetValueOrDefault(kv.Key) == kv.Value)))
                yield return $"PodDisruptionBudget {pdb.Name} selects no pods";
        }
    }

    /// <summary>Every workload's pods: non-root, read-only root filesystem with a writable /tmp, requests and a memory limit.</summary>
    public static IEnumerable<string> PodHygiene(Manifest manifest)
    {
        foreach (var workload in manifest.Workloads)
        {
            var volumes = workload.Spec.Maps("volumes").ToDictionary(v => v.Str("name") ?? "", v => v);
            if (workload.Spec.Str("securityContext", "runAsNonRoot") != "true") yield return $"{workload}: runAsNonRoot is not set";
            foreach (var container in workload.Containers)
            {
                var name = $"{workload}/{container.Str("name")}";
                if (container.Str("securityContext", "readOnlyRootFilesystem") != "true") yield return $"{name}: root filesystem not read-only";
                if (container.Str("securityContext", "allowPrivilegeEscalation") != "false") yield return $"{name}: allowPrivilegeEscalation not false";
                var tmp = container.Maps("volumeMounts").FirstOrDefault(m => m.Str("mountPath") == "/tmp");
                if (tmp is null || !volumes.TryGetValue(tmp.Str("name") ?? "", out var volume) || volume.At("emptyDir") is null)
                    yield return $"{name}: no emptyDir at /tmp (the only writable place with a read-only root)";
                foreach (var (section, resource) in new[] { ("requests", "cpu"), ("requests", "memory"), ("limits", "memory") })
                {
                    if (container.Str("resources", section, resource) is null) yield return $"{name}: no resources.{section}.{resource}";
                }
            }
        }
    }
}
