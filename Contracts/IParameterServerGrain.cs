using Orleans.Concurrency;

namespace U2PL.Contracts;

/// <summary>
/// One shard of a run's parameter server (key: run/shard): the student and teacher tensors assigned to the shard, the
/// SGD momentum, BN running statistics and a version that counts the gradients applied. Pushes apply SGD then EMA.
/// </summary>
[Alias("u2pl.ps")]
public interface IParameterServerGrain : IGrainWithStringKey
{
    /// <summary>Sets the shard up from the run's config: restored from <see cref="ShardSetup.RestoreFrom"/> when given, else initialized from the seed.</summary>
    [ResponseTimeout("00:05:00")]
    Task<long> Setup(ShardSetup setup);

    /// <summary>
    /// The student's parameters (in the bytes of the run's cluster.wire) if the shard's version differs from <paramref name="sinceVersion"/> (a restored shard
    /// may be behind its callers); the teacher's when asked for (the warm-up does not use it) and the version differs
    /// from <paramref name="teacherAt"/>, the version the caller's copy of the teacher is current at (-1: none); the
    /// BN buffers with either; otherwise only the version.
    /// </summary>
    [ReadOnly]
    Task<ShardWeights> Pull(long sinceVersion, bool teacher, long teacherAt);

    /// <summary>
    /// As <see cref="Pull"/>, with the parameters and buffers in one body on the shard silo's data plane
    /// (<see cref="ShardWeights.Body"/>) when it has one and the caller's data plane <paramref name="from"/> is another
    /// silo's, in the answer otherwise (a call within a silo copies nothing). Workers of one version fetch the same body.
    /// </summary>
    [ReadOnly]
    Task<ShardWeights> PullOnDataPlane(long sinceVersion, bool teacher, long teacherAt, string from);

    /// <summary>Applies a gradient computed on <see cref="GradientPush.BaseVersion"/>, subject to the staleness bound.</summary>
    Task<PushOutcome> PushGradient(GradientPush push);

    /// <summary>
    /// Sync mode: micro-batch <see cref="GradientPush.MicroBatch"/> of step t, computed on version t. The shard holds it
    /// until all of step t's micro-batches are in, then applies their mean in micro-batch order and opens version t + 1.
    /// A push for another version is refused (never applied); a micro-batch it already has counts as a duplicate.
    /// </summary>
    Task<PushOutcome> PushMicroBatch(GradientPush push);

    /// <summary>
    /// Sync mode: back to <paramref name="checkpoint"/> (empty: the initial weights) as state generation
    /// <paramref name="generation"/>, dropping any partial step; pushes of other generations are refused from now on.
    /// </summary>
    [ResponseTimeout("00:05:00")]
    Task<long> Rewind(string checkpoint, long generation);

    /// <summary>Everything the shard holds, for a checkpoint.</summary>
    [ReadOnly, ResponseTimeout("00:05:00")]
    Task<ShardState> Export();

    [ReadOnly]
    Task<ShardStatistics> Statistics();
}
