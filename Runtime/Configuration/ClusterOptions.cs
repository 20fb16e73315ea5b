namespace U2PL.Runtime.Configuration;

/// <summary>Identity and secret of the cluster, shared by its silos and clients.</summary>
public sealed class ClusterOptions
{
    /// <summary>The cluster id: rows of other clusters in the same store are ignored. Default <c>u2pl</c>.</summary>
    public string ClusterId { get; set; } = "u2pl";

    /// <summary>
    /// The shared key every connection authenticates with (HMAC-SHA256 challenge–response), at least 16 characters.
    /// Required; on the command line <c>--cluster-key</c>, <c>U2PL_CLUSTER_KEY</c> or <c>--cluster-key-file</c>.
    /// </summary>
    public string ClusterKey { get; set; } = "";
}
