using System.Text.Json;

namespace U2PL.Client.Tests;

public class ModelSummaryCommandTests
{
    [Theory]
    [InlineData("resnet18", 11_176_512L, 21_560_149L)]
    [InlineData("resnet50", 23_508_032L, 45_344_085L)]
    public void Json_summary_reports_the_check_values(string arch, long backbone, long total)
    {
        var result = U2plProcess.Run("model", "summary", "--arch", arch, "--json");
        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Output);
        Assert.Equal(backbone, json.RootElement.GetProperty("backbone_params").GetInt64());
        Assert.Equal(total, json.RootElement.GetProperty("total_params").GetInt64());
    }

    [Fact]
    public void The_table_lists_every_part()
    {
        var result = U2plProcess.Run("model", "summary", "--arch", "resnet18", "--classes", "7", "--os", "16");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("decoder.representation", result.Output);
        Assert.Contains("7 classes, output stride 16", result.Output);
    }

    [Theory]
    [InlineData("Argument 'resnet34' not recognized", "model", "summary", "--arch", "resnet34")]
    [InlineData("Cannot parse argument 'abc' for option '--classes'", "model", "summary", "--arch", "resnet18", "--classes", "abc")]
    [InlineData("--os must be 8 or 16, got 4", "model", "summary", "--arch", "resnet18", "--os", "4")]
    [InlineData("--classes must be in 2..255, got 1", "model", "summary", "--arch", "resnet18", "--classes", "1")]
    [InlineData("--batch must be at least 1, got 0", "bench", "step", "--arch", "resnet18", "--batch", "0")]
    [InlineData("Unrecognized command or argument '--frobnicate'", "model", "summary", "--arch", "resnet18", "--frobnicate")]
    public void Bad_input_fails_with_a_clear_message_and_a_non_zero_exit(string message, params string[] arguments)
    {
        var result = U2plProcess.Run(arguments);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(message, result.Error + result.Output);
    }
}
