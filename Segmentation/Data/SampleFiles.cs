namespace U2PL.Segmentation.Data;

/// <summary>Where one sample lives on disk: its split-file identifier, image path and (for labeled data) mask path.</summary>
public sealed record SampleFiles(string Id, string ImagePath, string? MaskPath);
