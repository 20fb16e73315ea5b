using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using U2PL.Contracts;

namespace U2PL.Grains.Tests;

public sealed class TensorWireTests(RoleCluster fixture) : IClassFixture<RoleCluster>
{
    [Fact]
    public void Tensors_travel_as_raw_bytes_not_element_by_element()
    {
        var serializer = fixture.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();
        var values = Enumerable.Range(0, 100_000).Select(i => i * 0.37f - 11).ToArray();

        var raw = serializer.SerializeToArray(new GradientPush { Gradient = new PackedTensors { Bytes = RawFloats.From(values).Bytes }, BufferDelta = values });
        var elementWise = serializer.SerializeToArray(values);

        Assert.InRange(raw.Length, 2 * 400_000, 2 * 400_000 + 256); // two blocks of 4 bytes per value, a few header bytes
        Assert.True(elementWise.Length > 400_000 * 1.1, $"a float[] takes {elementWise.Length} bytes"); // what the wrapper avoids
        var back = serializer.Deserialize<GradientPush>(raw);
        Assert.Equal(values, back.BufferDelta.ToArray());
    }

    [Fact]
    public void Float16_on_the_wire_rounds_each_value_as_a_cast_to_Half_does()
    {
        var values = Enumerable.Range(0, 10_001).Select(i => (i - 5000) * 0.0137f).Concat([65504f, 1e-8f, -0f, float.NaN]).ToArray();

        var packed = U2PL.Grains.Model.FlatTensors.Pack(values, half: true);

        Assert.Equal(values.Length * 2, packed.Bytes.Length);
        Assert.Equal(values.Select(v => (float)(Half)v).ToArray(), U2PL.Grains.Model.FlatTensors.Unpack(packed));
    }

    [Fact]
    public async Task A_call_over_the_message_size_limit_is_refused_naming_the_limit_and_the_cluster_keeps_serving()
    {
        var grain = fixture.Cluster.Client.GetGrain<IStateGrain>("wire");
        var tooLarge = RawFloats.From(new float[RoleCluster.MessageLimit / 4 + 1024]);

        var refused = await Assert.ThrowsAsync<PayloadTooLargeException>(() => grain.Sum(tooLarge));
        Assert.Contains("over the message size limit of 1.0 MiB (MaxMessageBodySize)", refused.Message);
        Assert.Contains("IStateGrain.Sum", refused.Message);

        Assert.Equal(6f, await grain.Sum(RawFloats.From([1f, 2f, 3f])));
    }
}
