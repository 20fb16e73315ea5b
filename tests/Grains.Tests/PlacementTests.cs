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
