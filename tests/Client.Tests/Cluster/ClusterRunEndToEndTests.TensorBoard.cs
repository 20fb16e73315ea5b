using U2PL.Client.Tests.TensorBoard;

namespace U2PL.Client.Tests.Cluster;

public sealed partial class ClusterRunEndToEndTests
{
    [Fact]
    public void A_cluster_run_with_two_workers_writes_one_tensorboard_folder_in_its_output_directory()
    {
        var config = TinyRunConfig.Write(_directory, maxIterations: 4, extra: "logging: { tensorboard_images: 2 }");
        var runId = Ok("run", "start", "--config", config, "--workers", "2").Output.Trim();
        var final = WaitFor(runId, s => State(s) is "completed" or "failed" or "stopped", TimeSpan.FromMinutes(5), "run to finish");
        Assert.Equal("completed", State(final));

        // Written by the run grain alone: one event file, in <run output directory>/tb, none per worker.
        var output = final.GetProperty("output_directory").GetString()!;
        var snapshots = Path.GetDirectoryName(output)!;
        var file = Assert.Single(Directory.GetFiles(snapshots, "events.out.tfevents.*", SearchOption.AllDirectories));
        Assert.Equal(Path.Combine(output, "tb"), Path.GetDirectoryName(file));
        var events = EventFiles.Read(file);

        // Every iteration once (the run counts steps as u2pl train does: iteration + 1), all semi-supervised (sup_only_epoch: 0).
        long[] steps = [1, 2, 3, 4];
        foreach (var tag in new[] { "train/loss_sup", "train/loss_unsup", "train/loss_contra", "train/lambda_u", "train/alpha_t", "train/gamma_t", "train/lr",
                     "train/images_per_s", "cluster/workers", "cluster/stale_gradients", "cluster/bank_fill" })
        {
            Assert.True(events.Scalars.ContainsKey(tag), $"no {tag}; tags: {string.Join(", ", events.Scalars.Keys)}");
            Assert.Equal(steps, events.Scalars[tag].Select(p => p.Step).Distinct().Order());
        }
        Assert.All(events.Scalars["train/lambda_u"], p => Assert.True(p.Value >= 1, $"λu {p.Value} at {p.Step}: pixels / reliable pixels (Eq. 8)"));
        Assert.All(events.Scalars["train/alpha_t"], p => Assert.InRange(p.Value, 0.1, 0.2 + 1e-7)); // α0 = 20 %, decaying over 2 epochs
        Assert.All(events.Scalars["train/gamma_t"], p => Assert.True(p.Value > 0, $"γt {p.Value} at {p.Step}"));
        Assert.All(events.Scalars["cluster/workers"], p => Assert.InRange(p.Value, 1, 2));
        Assert.All(events.Scalars["cluster/bank_fill"], p => Assert.InRange(p.Value, 0, 1));

        // The final evaluation at the last step: the mIoU the run reports, and the overlays.
        Assert.Equal((float)final.GetProperty("last_mean_iou").GetDouble(), (float)events.Scalar("val/mIoU", 4), 6);
        Assert.Contains(events.Scalars.Keys, tag => tag.StartsWith("val/IoU/", StringComparison.Ordinal));
        for (var n = 0; n < 2; n++)
        {
            var image = Assert.Single(events.Images[$"val/overlay/{n}"]);
            Assert.Equal((4L, 3 * 80, 64), (image.Step, image.PngWidth, image.PngHeight));
        }
        Assert.False(events.Images.ContainsKey("val/overlay/2"));
    }
}
