namespace U2PL.Segmentation.Augmentation;

/// <summary>Which transform pipeline to run.</summary>
public enum AugmentationMode
{
    /// <summary>Labeled training: random scale, random crop (pad image with the mean, mask with 255), flip, normalize.</summary>
    Train,
    /// <summary>Weak augmentation of unlabeled images: the same geometric ops, no mask needed.</summary>
    Weak,
    /// <summary>Evaluation as the official val transforms: no scale or flip; a center crop if a crop size is set.</summary>
    Eval,
}
