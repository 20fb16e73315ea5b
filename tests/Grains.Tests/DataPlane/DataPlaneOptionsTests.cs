using Microsoft.Extensions.Options;
using U2PL.Grains.DataPlane;

namespace U2PL.Grains.Tests.DataPlane;

public sealed class DataPlaneOptionsTests
{
    [Fact]
    public void Every_problem_of_the_options_is_listed_at_once()
    {
        var invalid = new DataPlaneOptions { Port = 70000, MaxFrameBytes = 0, ChunkBytes = 100, ChecksumRetries = -1, StallTimeout = TimeSpan.Zero };

        var error = Assert.Throws<OptionsValidationException>(() => DataPlaneOptionsValidator.Checked(invalid));

        Assert.Equal(5, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.Contains("DataPlane:Port 70000"));
        Assert.Contains(error.Failures, f => f.Contains("DataPlane:MaxFrameBytes 0"));
        Assert.Same(DataPlaneTransferTests.Options, DataPlaneOptionsValidator.Checked(DataPlaneTransferTests.Options));
    }
}
