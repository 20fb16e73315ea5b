using TorchSharp;
using U2PL.Segmentation.Data;
using U2PL.Synthetic;
using U2PL.Segmentation.Data.Images;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Models;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Evaluation;

public class PredictionOverlaysTests
{
    private static readonly SyntheticStreetDataset Scenes = new(new SyntheticStreetOptions { Seed = 3, Count = 2, Height = 64, Width = 80 });

    [Fact]
    public void Each_overlay_is_the_image_its_truth_and_its_prediction_side_by_side_and_survives_png()
    {
        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, Scenes.ClassCount, 16));
        var overlays = PredictionOverlays.Render(model, Scenes, count: 3);

        Assert.Equal(2, overlays.Count); // no more than the set holds
        for (var i = 0; i < overlays.Count; i++)
        {
            using var scope = torch.NewDisposeScope();
            using var sample = Scenes.Load(i);
            var overlay = overlays[i];
            Assert.Equal(sample.Id, overlay.SampleId);
            Assert.Equal((64, 3 * 80), (overlay.Height, overlay.Width));
            var drawn = overlay.ToTensor();
            Assert.True(Bytes(drawn.narrow(1, 0, 80)).SequenceEqual(Bytes(sample.Image)), "left: the image itself");
            var palette = PredictionOverlays.Palette(Scenes.ClassCount);
            var truth = PredictionOverlays.Blend(sample.Image, PredictionOverlays.Colour(sample.Mask!, palette));
            Assert.True(Bytes(drawn.narrow(1, 80, 80)).SequenceEqual(Bytes(truth)), "middle: the ground truth blended");
            var predicted = PredictionOverlays.Blend(sample.Image, PredictionOverlays.Colour(
                PredictionOverlays.Predict(model, U2PL.Segmentation.Augmentation.SegmentationTransform.Eval(new()), sample.Image), palette));
            Assert.True(Bytes(drawn.narrow(1, 160, 80)).SequenceEqual(Bytes(predicted)), "right: the prediction blended");
            Assert.True(Bytes(ImageCodec.Decode(overlay.ToPng())).SequenceEqual(Bytes(drawn)), "PNG is lossless");
        }
    }

    private static byte[] Bytes(Tensor image) => image.contiguous().ToArray<byte>();

    [Fact]
    public void Ignored_pixels_are_black_and_large_images_are_scaled_down()
    {
        using var scope = torch.NewDisposeScope();
        var classes = torch.tensor(new byte[] { 0, 1, 255, 2 }, [2, 2]);
        var colours = PredictionOverlays.Colour(classes, PredictionOverlays.Palette(3));
        Assert.Equal(new byte[] { 0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 128, 0 }, Bytes(colours));

        using var model = new DeepLabV3Plus(new ModelOptions(ResNetArchitecture.ResNet18, Scenes.ClassCount, 16));
        var overlay = Assert.Single(PredictionOverlays.Render(model, Scenes, count: 1, maxSide: 40));
        Assert.Equal((32, 3 * 40), (overlay.Height, overlay.Width));
    }
}
