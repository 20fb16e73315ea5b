namespace U2PL.Cluster.Bench.Grains;

/// <summary>
/// The receiving end of the latency-under-transfer benchmark: a data-plane server inside the <c>state</c> silo (as a
/// parameter-server shard would host one), so that transfers and grain calls run between the same two processes.
/// </summary>
[Alias("u2pl.bench.data-plane-receiver")]
public interface IDataPlaneReceiverGrain : IGrainWithStringKey
{
    /// <summary>
    /// Starts the silo's benchmark data-plane server on loopback whose threads run <paramref name="nice"/> steps below
    /// the silo (once per value; mutual TLS when the silo has TLS) and returns its port.
    /// </summary>
    [Alias("listen")]
    Task<int> Listen(int nice);

    /// <summary>The silo hosting this activation.</summary>
    [Alias("silo")]
    Task<string> GetSilo();
}
