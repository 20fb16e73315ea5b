namespace U2PL.Client.Cluster;

/// <summary>No gateway of the cluster could be reached (or none accepted the key) within the connect deadline.</summary>
public sealed class ClusterUnreachableException(string message) : Exception(message);
