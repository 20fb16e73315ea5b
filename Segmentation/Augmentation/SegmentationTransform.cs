using U2PL.Segmentation.Data;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Data.Images;

namespace U2PL.Segmentation.Augmentation;

/// <summary>
/// The U2PL data transforms: <see cref="AugmentationMode.Train"/> (random scale, random crop, flip, normalize),
/// <see cref="AugmentationMode.Weak"/> (the same for unlabeled images) and <see cref="AugmentationMode.Eval"/> (no
/// augmentation, optional center crop). Thread-safe; each sample's randomness comes only from its <see cref="SampleKey"/>.
/// </summary>
public sealed class SegmentationTransform : ISampleTransform
{
    private readonly float[] _normalize;

    /// <summary>Creates a transform; invalid options throw, listing every problem.</summary>
    public SegmentationTransform(AugmentationOptions options, AugmentationMode mode)
    {
        options.EnsureValid();
        Options = options;
        Mode = mode;
        _normalize = CropKernel.NormalizeTable(options.Mean, options.Std);
    }

    /// <summary>Labeled training augmentation.</summary>
    public static SegmentationTransform Train(AugmentationOptions options) => new(options, AugmentationMode.Train);

    /// <summary>Weak augmentation for unlabeled images.</summary>
    public static SegmentationTransform Weak(AugmentationOptions options) => new(options, AugmentationMode.Weak);

    /// <summary>Evaluation: normalization only, plus a center crop when the options set a crop size.</summary>
    public static SegmentationTransform Eval(AugmentationOptions options) => new(options, AugmentationMode.Eval);

    /// <summary>The settings.</summary>
    public AugmentationOptions Options { get; }

    /// <summary>The pipeline.</summary>
    public AugmentationMode Mode { get; }

    /// <inheritdoc />
    public TransformedSample Apply(SegmentationSample sample, SampleKey key)
    {
        var plan = AugmentationPlan.Draw(sample.Height, sample.Width, Options, Mode, key);
        var withMask = sample.Mask is not null && Mode != AugmentationMode.Weak;
        var resized = plan.ScaledHeight != sample.Height || plan.ScaledWidth != sample.Width;
        var image = resized ? ImageCodec.Resize(sample.Image, plan.ScaledHeight, plan.ScaledWidth, ImageInterpolation.Bilinear) : sample.Image;
        Tensor? mask = null;
        try
        {
            if (withMask)
            {
                mask = resized ? ImageCodec.Resize(sample.Mask!, plan.ScaledHeight, plan.ScaledWidth, ImageInterpolation.Nearest) : sample.Mask;
            }
            var output = torch.empty([3, plan.OutputHeight, plan.OutputWidth], ScalarType.Float32);
            var labels = withMask ? torch.empty([plan.OutputHeight, plan.OutputWidth], ScalarType.Int64) : null;
            CropKernel.Apply(plan, image.AsSpan<byte>(), mask is null ? default : mask.AsSpan<byte>(), output.AsSpan<float>(),
                labels is null ? default : labels.AsSpan<long>(), _normalize, Options.IgnoreIndex);
            return new TransformedSample(output, labels);
        }
        finally
        {
            if (resized)
            {
                image.Dispose();
                mask?.Dispose();
            }
        }
    }
}
