namespace U2PL.Deploy.Tests.Fixtures;

/// <summary>
/// The names Orleans' Kubernetes hosting (Microsoft.Orleans.Hosting.Kubernetes 10.4.2, <c>UseKubernetesHosting</c>)
/// reads: the constants of its <c>KubernetesHostingOptions</c>, and the pod verbs of its cluster agent (read, watch
/// and list, patch, delete pods). Copied rather than referenced: the package needs YamlDotNet 18, this repository
/// pins 16.3.0 (NU1605 downgrade error).
/// </summary>
internal static class OrleansKubernetes
{
    public const string PodNameEnvironmentVariable = "POD_NAME";
    public const string PodNamespaceEnvironmentVariable = "POD_NAMESPACE";
    public const string PodIPEnvironmentVariable = "POD_IP";
    public const string ServiceIdEnvironmentVariable = "ORLEANS_SERVICE_ID";
    public const string ClusterIdEnvironmentVariable = "ORLEANS_CLUSTER_ID";
    public const string ServiceIdLabel = "orleans/serviceId";
    public const string ClusterIdLabel = "orleans/clusterId";

    public static readonly string[] PodVerbs = ["get", "list", "watch", "patch", "delete"];
}
