using U2PL.Contracts;
using U2PL.Grains.Placement;

namespace U2PL.Grains.Tests;

/// <summary>Stands for a worker: one GPU slot per activation.</summary>
[Alias("test.slot")]
public interface ISlotGrain : IGrainWithStringKey
{
    Task<string> Silo();

    Task Leave();
}

[GpuSlotPlacement]
public sealed class SlotGrain : Grain, ISlotGrain
{
    public Task<string> Silo() => Task.FromResult(RuntimeIdentity);

    public Task Leave()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Stands for a shard or bank: on state silos only; receives tensors.</summary>
[Alias("test.state")]
public interface IStateGrain : IGrainWithStringKey
{
    Task<string> Silo();

    Task<float> Sum(RawFloats values);
}

[StateSiloPlacement]
public sealed class StateGrain : Grain, IStateGrain
{
    public Task<string> Silo() => Task.FromResult(RuntimeIdentity);

    public Task<float> Sum(RawFloats values)
    {
        var sum = 0f;
        foreach (var value in values.Span) sum += value;
        return Task.FromResult(sum);
    }
}

/// <summary>Stands for a parameter-server shard: on state silos and silos with the shard role.</summary>
[Alias("test.shard")]
public interface IShardLikeGrain : IGrainWithStringKey
{
    Task<string> Silo();
}

[ShardSiloPlacement]
public sealed class ShardLikeGrain : Grain, IShardLikeGrain
{
    public Task<string> Silo() => Task.FromResult(RuntimeIdentity);
}
