using U2PL.Tests.Cluster;

namespace U2PL.Client.Tests.Cluster;

/// <summary><c>u2pl demo</c> as a real process on a tiny config: a silo in the process, scaling up and down, mIoU, PNGs.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("u2pl-demo-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void The_demo_scales_up_and_down_then_prints_the_mIoU_and_names_its_PNGs_and_its_model_is_u2pl_trains()
    {
        var output = Path.Combine(_directory, "out");
        // Sync mode (the default), every step semi-supervised, 4 + 4 images as 2 micro-batches: 18 steps; libtorch on 1
        // thread in the workers as in u2pl train (other thread counts sum in other orders).
        var config = TinyRunConfig.Write(_directory, maxIterations: 18, epochs: 3, batchSize: 4, microBatches: 2, workerThreads: 1);
        var result = ClusterCli.Run(null, TimeSpan.FromMinutes(8), "demo", "--config", config, "--out", output, "--images", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("scaling to 3 workers", result.Output);
        Assert.Contains("scaling to 2 workers", result.Output);
        Assert.Matches(@"final val mIoU \d+\.\d\d", result.Output);
        // The completion takes the last checkpoint and validates the last epoch, once: the last epoch's end taken again
        // on a later tick started a second validation that could outlive the run (SIGSEGV when the demo exited under it).
        Assert.Single(result.Output.Split('\n'), l => l.Contains("[checkpoint] it 18:", StringComparison.Ordinal));
        var written = result.Output.Split('\n').Where(l => l.StartsWith("wrote ", StringComparison.Ordinal)).Select(l => l["wrote ".Length..].Trim()).ToList();
        Assert.Equal(8, written.Count); // 2 images × (image, truth, mask, overlay)

        // Scaled 2 → 3 → 2 on the way, the model equals the one process's with the same micro-batches.
        var reference = Path.Combine(_directory, "reference");
        var train = ClusterCli.Run(null, TimeSpan.FromMinutes(8), "train", "--config", config, "--set", $"saver.snapshot_dir={reference}");
        Assert.True(train.ExitCode == 0, train.ToString());
        var comparison = CheckpointComparison.Of(Directory.GetFiles(output, "last.safetensors", SearchOption.AllDirectories).Single(),
            Path.Combine(reference, "last.safetensors"));
        Assert.True(comparison.Identical, comparison.ToString());
        Assert.All(written, file =>
        {
            Assert.StartsWith(Path.Combine(output, "predictions"), file);
            Assert.True(new FileInfo(file).Length > 0, file);
        });
    }

    [Fact]
    public void Ctrl_c_stops_the_run_with_a_checkpoint_and_exits_130()
    {
        using var process = U2plProcess.StartInteractive(
            "demo", "--config", TinyRunConfig.Write(_directory, maxIterations: 400, epochs: 40), "--out", Path.Combine(_directory, "out"), "--no-scale");
        var error = process.StandardError.ReadToEndAsync();
        string? line;
        string? page = null;
        while ((line = process.StandardOutput.ReadLine()) is not null && !line.Contains("[joined]", StringComparison.Ordinal))
        {
            if (line.StartsWith("run page: ", StringComparison.Ordinal)) page = line["run page: ".Length..].Split(' ')[0];
        }
        Assert.NotNull(line);

        // The demo prints its run page at the start and serves it while the run trains.
        Assert.True(page is not null && page.StartsWith("http://127.0.0.1:", StringComparison.Ordinal), $"no run page URL before the first worker joined (got {page})");
        using (var http = new HttpClient())
        {
            Assert.Contains("<svg id=\"loss-chart\"", http.GetStringAsync(page).Result);
            Assert.Contains("\"state\":", http.GetStringAsync(page + "/status.json").Result);
        }
        Thread.Sleep(2000);
        U2plProcess.Interrupt(process);
        var rest = process.StandardOutput.ReadToEndAsync();
        var exited = process.WaitForExit(TimeSpan.FromMinutes(4));
        if (!exited) process.Kill(entireProcessTree: true);
        Assert.True(exited, "the demo did not end within 4 minutes of Ctrl-C");
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{rest.Result}\n{error.Result}");
        var stopped = rest.Result.Split('\n').SingleOrDefault(l => l.StartsWith("stopped at step ", StringComparison.Ordinal));
        Assert.True(stopped is not null, $"no 'stopped at step' line:\n{rest.Result}\n{error.Result}");
        var checkpoint = stopped[(stopped.IndexOf("checkpoint ", StringComparison.Ordinal) + "checkpoint ".Length)..].Trim();
        Assert.True(File.Exists(checkpoint), $"checkpoint {checkpoint} not found");
    }

    [Fact]
    public void A_bad_demo_config_fails_before_a_silo_starts()
    {
        var result = ClusterCli.Run(null, TimeSpan.FromMinutes(1), "demo", "--set", "trainer.epochs=abc", "--out", Path.Combine(_directory, "out"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("trainer.epochs: expected an integer, got 'abc'", result.Error);
        Assert.DoesNotContain("starting a silo", result.Error);
    }
}
