
namespace U2PL.Contracts;

/// <summary>
/// Tensors on the wire: raw float32, or float16 / bfloat16 when the run asks (<c>cluster.wire</c>), never JSON. The
/// shard's tensors travel flattened in the order of its layout, which both sides derive from the model's config.
/// </summary>
[GenerateSerializer, Immutable, Alias("u2pl.packed")]
public sealed record PackedTensors
{
    /// <summary>The values as little-endian bytes: 4 per value, or 2 when <see cref="Half"/> or <see cref="BFloat16"/>.</summary>
    [Id(0)] public byte[] Bytes { get; init; } = [];
    /// <summary>IEEE 754 binary16.</summary>
    [Id(1)] public bool Half { get; init; }
    /// <summary>bfloat16: the upper half of each float32, rounded to nearest even.</summary>
    [Id(2)] public bool BFloat16 { get; init; }

    public bool IsFloat32 => !Half && !BFloat16;

    public long Length => Bytes.LongLength / (IsFloat32 ? 4 : 2);
}

[GenerateSerializer]
public sealed record ShardSetup
{
    [Id(1)] public string RunId { get; init; } = "";
    [Id(2)] public string ConfigText { get; init; } = "";
    [Id(3)] public int Shard { get; init; }
    [Id(4)] public int Shards { get; init; }
    /// <summary>A checkpoint file to restore the shard from, or empty for a fresh start.</summary>
    [Id(5)] public string RestoreFrom { get; init; } = "";
    [Id(6)] public long StepsPerEpoch { get; init; }
    /// <summary>Sync mode: the run's state generation; a setup with another one reloads (the run rewound every state grain to a checkpoint).</summary>
    [Id(7)] public long Generation { get; init; }
}

/// <summary>A shard's weights at a version: student parameters, teacher parameters, and both models' BN buffers.</summary>
[GenerateSerializer]
public sealed record ShardWeights
{
    [Id(1)] public long Version { get; init; }
    [Id(2)] public PackedTensors? Student { get; init; }
    [Id(3)] public PackedTensors? Teacher { get; init; }
    /// <summary>Float buffers (running means and variances) of the student, then of the teacher.</summary>
    [Id(4)] public RawFloats? Buffers { get; init; }
    /// <summary>num_batches_tracked of the student, then of the teacher.</summary>
    [Id(5)] public long[]? Counters { get; init; }
    /// <summary>
    /// Where the shard's silo serves the data plane (<c>ip:port</c>), null when it has none: a worker pushes its
    /// micro-batches there.
    /// </summary>
    [Id(6)] public string? DataPlane { get; init; }
    /// <summary>
    /// <see cref="IParameterServerGrain.PullOnDataPlane"/>: the student and teacher parameters asked for and the
    /// buffers, float32, to fetch from <see cref="DataPlane"/> (then <see cref="Student"/>, <see cref="Teacher"/> and
    /// <see cref="Buffers"/> are null).
    /// </summary>
    [Id(7)] public WeightsBody? Body { get; init; }
}

/// <summary>A shard's weights on the data plane: one float32 body of the student's parameters (if sent), the teacher's (if sent), then both models' BN buffers.</summary>
[GenerateSerializer, Immutable]
public sealed record WeightsBody
{
    [Id(1)] public TransferDescriptor Transfer { get; init; } = new(Guid.Empty, 0, 0, 0);
    [Id(2)] public bool Student { get; init; }
    [Id(3)] public bool Teacher { get; init; }
}

[GenerateSerializer]
public sealed record GradientPush
{
    [Id(1)] public string WorkerKey { get; init; } = "";
    [Id(2)] public long BaseVersion { get; init; }
    [Id(3)] public long Iteration { get; init; }
    [Id(4)] public PackedTensors Gradient { get; init; } = new();
    /// <summary>How far the step moved the float buffers (student then teacher) from the pulled ones.</summary>
    [Id(5)] public RawFloats BufferDelta { get; init; } = new();
    [Id(6)] public long[] CounterDelta { get; init; } = [];
    /// <summary>Whether the step was semi-supervised (the teacher moves by EMA) and in the first semi epoch (teacher reset first).</summary>
    [Id(7)] public bool Semi { get; init; }
    [Id(8)] public bool ResetTeacher { get; init; }
    /// <summary>Indices (in the shard's layout) of parameters the step did not reach: SGD skips them, as PyTorch does.</summary>
    [Id(9)] public int[] NoGradient { get; init; } = [];
    /// <summary>Sync mode: the micro-batch of step <see cref="Iteration"/> (= <see cref="BaseVersion"/>) this is.</summary>
    [Id(10)] public int MicroBatch { get; init; }
    /// <summary>Sync mode: the state generation of the lease it was computed for; a shard of another generation refuses it.</summary>
    [Id(11)] public long Generation { get; init; }
    /// <summary>
    /// The gradient then the buffer delta, float32, pushed to the shard's data plane before this call (then
    /// <see cref="Gradient"/> and <see cref="BufferDelta"/> are empty). A shard that does not hold the body refuses the call.
    /// </summary>
    [Id(12)] public TransferDescriptor? Body { get; init; }
}

[GenerateSerializer]
public sealed record PushOutcome
{
    [Id(1)] public bool Accepted { get; init; }
    [Id(2)] public long Version { get; init; }
    [Id(3)] public long Staleness { get; init; }
    /// <summary>The factor the gradient was scaled by (1 when fresh; staleness policy <c>scale</c>).</summary>
    [Id(4)] public double Scale { get; init; } = 1;
    /// <summary>Sync mode: the shard already had this micro-batch (computed twice; applied once).</summary>
    [Id(5)] public bool Duplicate { get; init; }
}

/// <summary>Everything a shard holds, named as in a training checkpoint (student.*, teacher.*, optimizer.*).</summary>
[GenerateSerializer]
public sealed record ShardState
{
    [Id(1)] public long Version { get; init; }
    [Id(2)] public List<NamedTensor> Tensors { get; init; } = [];
}

[GenerateSerializer]
public sealed record NamedTensor
{
    [Id(1)] public string Name { get; init; } = "";
    [Id(2)] public long[] Shape { get; init; } = [];
    [Id(3)] public RawFloats? Single { get; init; }
    [Id(4)] public long[]? Int64 { get; init; }
}

[GenerateSerializer]
public sealed record ShardStatistics
{
    [Id(1)] public long Version { get; init; }
    [Id(2)] public long Accepted { get; init; }
    [Id(3)] public long RejectedStale { get; init; }
    [Id(4)] public long ScaledStale { get; init; }
    [Id(5)] public long MaxStaleness { get; init; }
    [Id(6)] public string Silo { get; init; } = "";
    /// <summary>Sync mode: micro-batches received twice (a worker died after pushing; its lease was computed again).</summary>
    [Id(7)] public long Duplicates { get; init; }
    /// <summary>Bytes the shard took from its silo's data plane (pushes) and published to it (pulls).</summary>
    [Id(8)] public long DataPlaneReceived { get; init; }
    [Id(9)] public long DataPlanePublished { get; init; }
}

[GenerateSerializer]
public sealed record BankSetup
{
    [Id(1)] public string RunId { get; init; } = "";
    [Id(2)] public int ClassIndex { get; init; }
    [Id(3)] public long Capacity { get; init; }
    [Id(4)] public int FeatureDim { get; init; }
    /// <summary>A checkpoint file to restore the bank from, or empty.</summary>
    [Id(5)] public string RestoreFrom { get; init; } = "";
    /// <summary>The run's checkpoint directory: a reactivated bank restores from its latest checkpoint.</summary>
    [Id(6)] public string CheckpointDirectory { get; init; } = "";
    /// <summary>Sync mode: a step's negatives are enqueued once all of its micro-batches pushed theirs; 0: async.</summary>
    [Id(7)] public int MicroBatches { get; init; }
    /// <summary>Sync mode: the run's state generation (see <see cref="ShardSetup.Generation"/>).</summary>
    [Id(8)] public long Generation { get; init; }
}

/// <summary>
/// Sync mode: what a worker's replica of a bank lacks. <see cref="Appended"/> counts every row ever enqueued;
/// a replica of the same <see cref="Generation"/> (the bank's load) gets the rows after its own count, otherwise (or
/// when they are no longer kept) every row the bank holds, oldest first, with <see cref="Snapshot"/> set.
/// </summary>
[GenerateSerializer]
public sealed record BankRows
{
    [Id(1)] public Guid Generation { get; init; }
    [Id(2)] public long Appended { get; init; }
    [Id(3)] public bool Snapshot { get; init; }
    [Id(4)] public FeatureBlock Block { get; init; } = new();
    /// <summary>Where the bank's silo serves the data plane (<c>ip:port</c>), null when it has none: a worker pushes its negatives there.</summary>
    [Id(5)] public string? DataPlane { get; init; }
}

[GenerateSerializer]
public sealed record BankStatistics
{
    [Id(1)] public long Count { get; init; }
    [Id(2)] public long Capacity { get; init; }
    [Id(3)] public string Silo { get; init; } = "";
    [Id(4)] public long Pushed { get; init; }
    /// <summary>Bytes of rows the bank took from and published to its silo's data plane.</summary>
    [Id(5)] public long DataPlaneBytes { get; init; }
}

/// <summary>Rows of features (n × dim), row-major.</summary>
[GenerateSerializer]
public sealed record FeatureBlock
{
    [Id(1)] public int Rows { get; init; }
    [Id(2)] public int Dim { get; init; }
    [Id(3)] public PackedTensors Data { get; init; } = new();
    /// <summary>The rows as float32 on the data plane (then <see cref="Data"/> is empty): pushed before the call, or to fetch after it.</summary>
    [Id(4)] public TransferDescriptor? Body { get; init; }
}
