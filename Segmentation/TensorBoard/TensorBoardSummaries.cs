using System.Text;
using TorchSharp.Modules;
using U2PL.Segmentation.Evaluation;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.TensorBoard;

/// <summary>
/// The tags a run writes, the same for <c>u2pl train</c> and a cluster run (README "TensorBoard"): per step
/// <c>train/*</c> (the semi-supervised ones only in semi-supervised steps) and, for a cluster run, <c>cluster/*</c>; per
/// evaluation <c>val/mIoU</c>, <c>val/IoU/&lt;class&gt;</c> and <c>val/overlay/&lt;n&gt;</c>.
/// </summary>
public static class TensorBoardSummaries
{
    public const string SupervisedLoss = "train/loss_sup";
    public const string UnsupervisedLoss = "train/loss_unsup";
    public const string ContrastiveLoss = "train/loss_contra";
    public const string LambdaU = "train/lambda_u";
    public const string Alpha = "train/alpha_t";
    public const string Gamma = "train/gamma_t";
    public const string LearningRate = "train/lr";
    public const string ImagesPerSecond = "train/images_per_s";
    public const string Workers = "cluster/workers";
    public const string StaleGradients = "cluster/stale_gradients";
    public const string BankFill = "cluster/bank_fill";
    public const string MeanIoU = "val/mIoU";
    public const string ClassIoUPrefix = "val/IoU/";
    public const string OverlayPrefix = "val/overlay/";

    /// <summary>One step's losses and schedule values; Lu, Lc, λu, αt and γt only when the step was semi-supervised.</summary>
    public static void WriteStep(SummaryWriter writer, long iteration, StepMetrics metrics, bool semi, double imagesPerSecond)
    {
        var step = TensorBoardLog.Step(iteration);
        writer.add_scalar(SupervisedLoss, (float)metrics.SupervisedLoss, step);
        if (semi)
        {
            writer.add_scalar(UnsupervisedLoss, (float)metrics.UnsupervisedLoss, step);
            writer.add_scalar(ContrastiveLoss, (float)metrics.ContrastiveLoss, step);
            writer.add_scalar(LambdaU, (float)metrics.LambdaU, step);
            writer.add_scalar(Alpha, (float)metrics.Alpha, step);
            writer.add_scalar(Gamma, (float)metrics.Gamma, step);
        }
        writer.add_scalar(LearningRate, (float)metrics.LearningRate, step);
        writer.add_scalar(ImagesPerSecond, (float)imagesPerSecond, step);
    }

    /// <summary>A cluster run's shape at a step: workers reporting, stale gradients so far, memory-bank fill (0..1 of all banks' capacity).</summary>
    public static void WriteCluster(SummaryWriter writer, long iteration, int workers, long staleGradients, double bankFill)
    {
        var step = TensorBoardLog.Step(iteration);
        writer.add_scalar(Workers, workers, step);
        writer.add_scalar(StaleGradients, staleGradients, step);
        writer.add_scalar(BankFill, (float)bankFill, step);
    }

    /// <summary>mIoU, each class's IoU (classes absent from the validation set have none) and the drawn overlays.</summary>
    public static void WriteEvaluation(SummaryWriter writer, long iteration, EvaluationResult result, IReadOnlyList<string> classNames,
        IReadOnlyList<PredictionOverlay> overlays)
    {
        var step = TensorBoardLog.Step(iteration);
        writer.add_scalar(MeanIoU, (float)result.MeanIoU, step);
        for (var c = 0; c < result.ClassIoU.Length; c++)
        {
            if (!double.IsNaN(result.ClassIoU[c]))
            {
                writer.add_scalar(ClassIoUPrefix + ClassTag(c < classNames.Count ? classNames[c] : $"class_{c}"), (float)result.ClassIoU[c], step);
            }
        }
        for (var n = 0; n < overlays.Count; n++)
        {
            writer.add_img(OverlayPrefix + n, overlays[n].ToTensor(), step, dataformats: "HWC");
        }
    }

    /// <summary>A class name as one tag segment: a '/' would nest it in TensorBoard's tag groups, spaces read badly.</summary>
    public static string ClassTag(string name)
    {
        var tag = new StringBuilder(name.Length);
        foreach (var c in name) tag.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_');
        return tag.ToString();
    }
}
