using U2PL.Segmentation.Evaluation;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Tests.Evaluation;

public class ConfusionMatrixTests
{
    [Fact]
    public void IoU_per_class_and_the_mean_over_present_classes_match_a_hand_count()
    {
        using var scope = torch.NewDisposeScope();
        var matrix = new ConfusionMatrix(4);
        // truth:      0 0 1 1 1 255    prediction: 0 1 1 1 0 3
        matrix.Add(torch.tensor(new long[] { 0, 1, 1, 1, 0, 3 }, 2, 3), torch.tensor(new long[] { 0, 0, 1, 1, 1, 255 }, 2, 3));
        var iou = matrix.IoU();
        Assert.Equal(1.0 / 3, iou[0], 12);   // tp 1, fp 1 (pixel 4), fn 1 (pixel 1)
        Assert.Equal(2.0 / 4, iou[1], 12);   // tp 2, fp 1, fn 1
        Assert.True(double.IsNaN(iou[2]));   // absent: excluded from the mean
        Assert.True(double.IsNaN(iou[3]));   // predicted only on an ignored pixel: not counted
        Assert.Equal((1.0 / 3 + 0.5) / 2, matrix.MeanIoU(), 12);
        Assert.Equal(3.0 / 5, matrix.PixelAccuracy(), 12);
    }
}
