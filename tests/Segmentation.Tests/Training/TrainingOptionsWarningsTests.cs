using U2PL.Segmentation.Models;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.Tests.Training;

/// <summary>
/// Micro-batches of fewer than 4 labeled images with a pretrained encoder are allowed but warned about: on CamVid 1/8
/// with the ImageNet encoder, M = 2 of batch 4 ended the first semi-supervised epoch 14 mIoU below M = 1 (bench/RESULTS.md).
/// </summary>
public class TrainingOptionsWarningsTests
{
    private static TrainingOptions Options(string? pretrained, int batchSize, int microBatches) =>
        new() { Model = new ModelOptions(ResNetArchitecture.ResNet18), Pretrained = pretrained, MicroBatches = microBatches, Data = new DataOptions { BatchSize = batchSize } };

    [Theory]
    [InlineData(4, 2)]
    [InlineData(8, 4)]
    [InlineData(6, 2)]
    public void A_pretrained_encoder_with_micro_batches_under_4_labeled_images_is_warned_about(int batchSize, int microBatches)
    {
        var warning = Assert.Single(Options("encoder.onnx", batchSize, microBatches).Warnings());
        Assert.Contains($"trainer.micro_batches={microBatches}", warning);
        Assert.Contains($"micro-batches of {batchSize / microBatches} labeled images", warning);
    }

    [Theory]
    [InlineData("encoder.onnx", 8, 2)] // 4 labeled images a micro-batch
    [InlineData("encoder.onnx", 4, 1)] // one batch: BatchNorm over all of it
    [InlineData(null, 4, 2)]           // random init: M = 2 of batch 4 was level with M = 1 on the synthetic scenes (+0.70)
    public void Other_settings_are_not_warned_about(string? pretrained, int batchSize, int microBatches) =>
        Assert.Empty(Options(pretrained, batchSize, microBatches).Warnings());
}
