namespace U2PL.Contracts;

/// <summary>
/// A tensor-data-plane transfer without its bytes: what an Orleans call carries when the bytes go over the data plane
/// (issue 22). <see cref="Checksum"/> is XxHash3 (64-bit) of the body; 0 until the sender has hashed it.
/// </summary>
[GenerateSerializer, Immutable, Alias("u2pl.dataplane.descriptor")]
public sealed record TransferDescriptor(
    [property: Id(0)] Guid TransferId,
    [property: Id(1)] int Shard,
    [property: Id(2)] long Version,
    [property: Id(3)] long ByteLength,
    [property: Id(4)] ulong Checksum = 0)
{
    public override string ToString() => $"transfer {TransferId:N} (shard {Shard}, version {Version}, {DataPlaneSizes.Format(ByteLength)})";
}

/// <summary>Byte counts as people read them in errors.</summary>
public static class DataPlaneSizes
{
    public static string Format(long bytes) => bytes >= 1 << 20
        ? $"{bytes / (double)(1 << 20):0.0} MiB"
        : bytes >= 1 << 10 ? $"{bytes / 1024.0:0.0} KiB" : $"{bytes} B";
}
