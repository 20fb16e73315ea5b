namespace U2PL.Segmentation.Data;

/// <summary>
/// A dataset's directory convention: its classes and how a split-file line (the sample id) maps to image and mask
/// files. The readers (<see cref="CamVidDataset"/>, ...) implement it.
/// </summary>
public interface IDatasetLayout
{
    /// <summary>Short name for logs.</summary>
    string Name { get; }

    /// <summary>The dataset root.</summary>
    string Root { get; }

    /// <summary>Class names, index = class id.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>How colour masks map to ids, or null when masks must be single-channel id images.</summary>
    MaskColorMap? ColorMap { get; }

    /// <summary>The files of sample <paramref name="id"/> (they need not exist).</summary>
    SampleFiles Resolve(string id);
}
