namespace U2PL.Segmentation.Data;

/// <summary>The PASCAL VOC candidate lists of the paper (§4.1).</summary>
public enum VocCandidateSet
{
    /// <summary>The 1,464 finely annotated VOC train images (<c>ImageSets/Segmentation/train.txt</c>).</summary>
    Classic,
    /// <summary>VOC train + SBD, 10,582 images (<c>train_aug.txt</c>).</summary>
    Blender,
    /// <summary>The 1,449 val images (<c>ImageSets/Segmentation/val.txt</c>).</summary>
    Val,
}
