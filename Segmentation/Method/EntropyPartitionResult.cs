using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Method;

/// <summary>
/// A step's entropy partition of its unlabeled images (Eq. 5–7), at the images' resolution: what Lu and Lc select
/// pixels by. Owned by the step.
/// </summary>
/// <param name="Entropy">the teacher's per-pixel entropy, (Bu, H, W)</param>
/// <param name="Valid">valid pixels, (Bu, H, W) bool</param>
/// <param name="Reliable">valid pixels with H &lt; γt, (Bu, H, W) bool</param>
/// <param name="Gamma">γt, the (100·(1-αt))-th percentile of the valid entropies</param>
/// <param name="Epoch">the step's epoch (αt's progress)</param>
/// <param name="Epochs">the run's epochs</param>
public sealed record EntropyPartitionResult(Tensor Entropy, Tensor Valid, Tensor Reliable, double Gamma, int Epoch, int Epochs);
