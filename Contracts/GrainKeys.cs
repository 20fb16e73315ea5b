namespace U2PL.Contracts;

/// <summary>How the grains of one run are keyed: every grain of run R has a key starting with "R".</summary>
public static class GrainKeys
{
    /// <summary>The one run registry of a cluster.</summary>
    public const string Registry = "runs";

    public static string Shard(string runId, int shard) => $"{runId}/{shard}";

    public static string Bank(string runId, int classIndex) => $"{runId}/{classIndex}";

    public static string Worker(string runId, int slot) => $"{runId}/{slot}";

    /// <summary>The slot number of a worker key.</summary>
    public static int SlotOf(string workerKey) => int.Parse(workerKey[(workerKey.LastIndexOf('/') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The run id of any per-run key.</summary>
    public static string RunOf(string key) => key[..key.LastIndexOf('/')];
}
