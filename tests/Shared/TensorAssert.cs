using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;

namespace U2PL.Tests.Shared;

internal static class TensorAssert
{
    /// <summary>Same shape, and every element within atol + rtol·|expected|; the message names the worst element.</summary>
    public static void Close(Tensor expected, Tensor actual, double rtol = 1e-5, double atol = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var e = expected.to(ScalarType.Float64);
        using var a = actual.to(ScalarType.Float64);
        var ev = e.contiguous().ToArray<double>();
        var av = a.contiguous().ToArray<double>();
        var worst = -1;
        var worstExcess = 0.0;
        for (var i = 0; i < ev.Length; i++)
        {
            var excess = Math.Abs(ev[i] - av[i]) - (atol + rtol * Math.Abs(ev[i]));
            if (excess > worstExcess || double.IsNaN(av[i]))
            {
                worstExcess = double.IsNaN(av[i]) ? double.PositiveInfinity : excess;
                worst = i;
            }
        }
        Assert.True(worst < 0, worst < 0 ? "" : $"element {worst}: expected {ev[worst]}, got {av[worst]}");
    }
}
