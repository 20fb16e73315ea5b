using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Tests.TorchOps;

public class ScalarTypeTests
{
    [Theory]
    [InlineData(ScalarType.Float32, 4)]
    [InlineData(ScalarType.Float16, 2)]
    [InlineData(ScalarType.Int64, 8)]
    [InlineData(ScalarType.Byte, 1)]
    [InlineData(ScalarType.Bool, 1)]
    public void Element_sizes_match_libtorch(ScalarType type, int bytes) => Assert.Equal(bytes, type.ElementSize());
}
