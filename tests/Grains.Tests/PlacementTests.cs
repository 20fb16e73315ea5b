using U2PL.Contracts;

namespace U2PL.Grains.Tests;

public sealed class PlacementTests(RoleCluster fixture) : IClassFixture<RoleCluster>
{
    [Fact]
    public async Task Workers_take_one_GPU_slot_each_on_GPU_silos_only_and_the_next_one_is_refused_until_a_slot_frees()
    {
        var client = fixture.Cluster.Client;
        var workers = Enumerable.Range(0, 3).Select(i => client.GetGrain<ISlotGrain>($"slots/{i}")).ToList();
        var silos = new List<string>();
        foreach (var worker in workers) silos.Add(await worker.Silo());

        Assert.All(silos, s => Assert.Contains("gpu", fixture.Of(s).Roles));
        foreach (var group in silos.GroupBy(s => s)) Assert.True(group.Count() <= fixture.Of(group.Key).Slots, $"{group.Count()} workers on {group.Key}");

        var refused = await Assert.ThrowsAsync<NoFreeGpuSlotException>(() => client.GetGrain<ISlotGrain>("slots/3").Silo());
        Assert.Contains("all 3 GPU slot(s) of 2 GPU silo(s) are taken", refused.Message);

        await workers[0].Leave();
        var placed = await Eventually(() => client.GetGrain<ISlotGrain>("slots/3").Silo());
        Assert.Equal(silos[0], placed);
    }

    [Fact]
    public async Task State_grains_are_placed_on_state_silos_only()
    {
        var client = fixture.Cluster.Client;
        for (var i = 0; i < 8; i++)
        {
            var silo = await client.GetGrain<IStateGrain>($"state/{i}").Silo();
            Assert.Contains("state", fixture.Of(silo).Roles);
        }
    }

    [Fact]
    public async Task A_runs_shards_spread_over_the_state_silos_and_the_gpu_silos_with_the_shard_role()
    {
        var client = fixture.Cluster.Client;
        var silos = new List<string>();
        for (var k = 0; k < 6; k++) silos.Add(await client.GetGrain<IShardLikeGrain>(GrainKeys.Shard("spread", k)).Silo());

        Assert.All(silos, s => Assert.True(fixture.Of(s).Roles.Intersect(["state", "shard"]).Any(), $"a shard on {string.Join(",", fixture.Of(s).Roles)}"));
        Assert.Equal(2, silos.Distinct().Count()); // the state silo and the gpu,shard silo, never the plain gpu silo
        Assert.Equal([3, 3], silos.GroupBy(s => s).Select(g => g.Count()));
        for (var k = 2; k < 6; k++) Assert.Equal(silos[k - 2], silos[k]); // shard k on the (k mod 2)-th silo
    }

    private static async Task<T> Eventually<T>(Func<Task<T>> call)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (NoFreeGpuSlotException) when (attempt < 50)
            {
                await Task.Delay(200); // the slot frees when the deactivation has finished
            }
        }
    }
}
