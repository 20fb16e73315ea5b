using System.Text.Json;

namespace U2PL.Client.Tests;

public class BenchStepCommandTests
{
    [Fact]
    public void A_short_run_reports_time_params_memory_and_leaks_no_tensor()
    {
        var result = U2plProcess.Run("bench", "step", "--arch", "resnet18", "--os", "16", "--batch", "1", "--size", "64",
            "--classes", "5", "--steps", "6", "--threads", "2", "--json");
        Assert.True(result.ExitCode == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("median_ms").GetDouble() > 0);
        Assert.Equal(6, root.GetProperty("steps").GetInt32());
        Assert.True(root.GetProperty("peak_rss_mb").GetDouble() > 100);
        Assert.True(double.IsFinite(root.GetProperty("final_loss").GetDouble()));
        // Every step's temporaries are released: the native tensor count after the last step equals the one after warm-up.
        Assert.Equal(root.GetProperty("live_tensors_after_warmup").GetInt64(), root.GetProperty("live_tensors_end").GetInt64());
    }
}
