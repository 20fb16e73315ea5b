using U2PL.Runtime.Tests.Fixtures;
using U2PL.Runtime.Tests.TestGrains;

namespace U2PL.Runtime.Tests.Placement;

/// <summary>Placement by role and GPU-slot capacity, in-process silos.</summary>
public sealed class PlacementTests : IAsyncLifetime
{
    private readonly InProcessCluster _cluster = new();

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Workers_go_to_gpu_silos_up_to_their_slots_and_state_grains_to_state_silos()
    {
        var gpu1 = await _cluster.StartSiloAsync("gpu", gpuSlots: 1);
        var gpu2 = await _cluster.StartSiloAsync("gpu", gpuSlots: 1);
        var state = await _cluster.StartSiloAsync("state");
        var client = await _cluster.ConnectClientAsync();

        var w1 = await client.GetGrain<IGpuWorkerGrain>(1).GetSilo();
        var w2 = await client.GetGrain<IGpuWorkerGrain>(2).GetSilo();
        Assert.Equal(new[] { gpu1.Address.ToString(), gpu2.Address.ToString() }.Order(), new[] { w1, w2 }.Order());
        await Assert.ThrowsAnyAsync<Exception>(() => client.GetGrain<IGpuWorkerGrain>(3).GetSilo()); // every slot taken

        for (var i = 0; i < 4; i++)
            Assert.Equal(state.Address.ToString(), await client.GetGrain<IStateGrain>($"bank-{i}").GetSilo());
    }
}
