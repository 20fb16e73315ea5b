namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// The <c>U2PL_*</c> environment variables the product reads (found in its source) against those the manifests and
/// images set. A variable the product starts to read must be added here with where it comes from, and set.
/// </summary>
internal static class EnvironmentChecks
{
    private static readonly string[] BlobVariables = ["U2PL_BLOB_CONNECTION_STRING", "U2PL_BLOB_CONNECTION_STRING_FILE"];

    /// <summary>Every variable the product reads, and where a Kubernetes deployment provides it.</summary>
    private static readonly Dictionary<string, string> Known = new()
    {
        ["U2PL_BLOB_CONNECTION_STRING"] = "silos, when checkpoint.store is azure:// (this or the _FILE form)",
        ["U2PL_BLOB_CONNECTION_STRING_FILE"] = "silos, when checkpoint.store is azure:// (a key of the mounted Secret u2pl-blob)",
        ["U2PL_CLUSTER"] = "the client's default --cluster: the launcher passes --cluster; in a silo container the default gateway 127.0.0.1:30000 is the silo's own",
        ["U2PL_DEBUG"] = "the client's stack traces for cluster errors (a troubleshooting switch a user sets by hand, never in a deployment)",
        ["U2PL_DASHBOARD_TOKEN"] = "silos: the token for /dashboard and /runs from any address (a user's setting; the overlays keep both loopback-only, reached by port-forward)",
        ["U2PL_CONNECT_TIMEOUT"] = "the client's connect deadline in seconds (default 10; a user's setting, the launcher keeps the default)",
        ["U2PL_TLS_CERT"] = "silos and the launcher: the pods' certificate (a key of the mounted Secret u2pl-tls)",
        ["U2PL_TLS_KEY"] = "silos and the launcher: its private key (Secret u2pl-tls)",
        ["U2PL_TLS_CA"] = "silos and the launcher: the cluster's CA (Secret u2pl-tls)",
    };

    private static readonly string[] TlsVariables = ["U2PL_TLS_CERT", "U2PL_TLS_KEY", "U2PL_TLS_CA"];

    public static IEnumerable<string> Check(Manifest manifest, List<SiloContainer> silos, string? checkpointStore)
    {
        var read = ProductSource.EnvironmentVariables();
        foreach (var (name, files) in read.Where(r => !Known.ContainsKey(r.Key)))
            yield return $"the product reads {name} ({string.Join(", ", files.Distinct())}) but the deployment does not know where it comes from: set it in k8s/ and add it to EnvironmentChecks.Known";
        foreach (var workload in manifest.Workloads)
        {
            foreach (var container in workload.Containers)
            {
                foreach (var name in container.Maps("env").Select(e => e.Str("name") ?? "").Where(n => n.StartsWith("U2PL_", StringComparison.Ordinal) && !read.ContainsKey(n)))
                    yield return $"{workload}: sets {name}, which nothing in the product reads (a typo?)";
            }
        }
        foreach (var client in manifest.ContainersRunning("u2pl"))
        {
            var args = client.Container.Strings("args").ToList();
            var clusterId = args.IndexOf("--cluster-id") is var i and >= 0 && i + 1 < args.Count ? args[i + 1] : "u2pl";
            foreach (var silo in silos.Where(s => s.Flags.ClusterId != clusterId))
                yield return $"{client.Workload}: the client joins cluster id '{clusterId}', {silo} is in '{silo.Flags.ClusterId}'";
        }
        foreach (var silo in silos.Where(s => !s.Flags.Insecure && TlsVariables.Any(v => !s.Environment.Variables.ContainsKey(v))))
            yield return $"{silo}: a cluster silo needs mutual TLS: {string.Join(", ", TlsVariables.Where(v => !silo.Environment.Variables.ContainsKey(v)))} not set";
        if (checkpointStore?.StartsWith("azure://", StringComparison.Ordinal) == true)
        {
            foreach (var silo in silos.Where(s => !BlobVariables.Any(s.Environment.Variables.ContainsKey)))
                yield return $"{silo}: checkpoint.store is {checkpointStore} but neither {string.Join(" nor ", BlobVariables)} is set";
        }
    }

    /// <summary>The connection string the silos use for azure:// stores, from either variable.</summary>
    public static string? BlobConnectionString(SiloContainer silo, Manifest manifest)
    {
        if (silo.Environment.Variables.TryGetValue(BlobVariables[0], out var direct)) return direct;
        if (!silo.Environment.Variables.TryGetValue(BlobVariables[1], out var path)) return null;
        var mount = silo.Container.Maps("volumeMounts").FirstOrDefault(m => path.StartsWith((m.Str("mountPath") ?? "") + "/", StringComparison.Ordinal));
        var secret = silo.Workload.Spec.Maps("volumes").FirstOrDefault(v => v.Str("name") == mount?.Str("name")).Str("secret", "secretName");
        return mount is null || secret is null ? null : manifest.Value("Secret", secret, Path.GetFileName(path));
    }
}
