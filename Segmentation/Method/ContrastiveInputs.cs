using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// What Lc needs for one step, at the representation's resolution (h, w); the batch is the labeled images followed by
/// the unlabeled ones. Owned by the caller.
/// </summary>
/// <param name="StudentFeatures">z from the student's representation head, (B, D, h, w), with gradient.</param>
/// <param name="TeacherFeatures">the teacher's representations, (B, D, h, w), no gradient.</param>
/// <param name="TeacherProbabilities">the teacher's softmax, (B, C, h, w).</param>
/// <param name="Labels">ground truth (labeled) and pseudo-labels (unlabeled), (B, h, w) int64; 255 = invalid.</param>
/// <param name="LabeledCount">how many of the B images are labeled (they come first).</param>
/// <param name="AnchorMask">pixels that may be anchors: labeled and valid, or unlabeled and reliable, (B, h, w) bool.</param>
/// <param name="NegativeMask">unlabeled pixels that may be negatives (unreliable); ignored for labeled rows, (B, h, w) bool.</param>
public sealed record ContrastiveInputs(
    Tensor StudentFeatures,
    Tensor TeacherFeatures,
    Tensor TeacherProbabilities,
    Tensor Labels,
    long LabeledCount,
    Tensor AnchorMask,
    Tensor NegativeMask);
