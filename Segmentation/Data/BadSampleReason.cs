namespace U2PL.Segmentation.Data;

/// <summary>Why a sample could not be used.</summary>
public enum BadSampleReason
{
    /// <summary>The image or mask file does not exist.</summary>
    MissingFile,
    /// <summary>The file exists but cannot be read (permissions, I/O error).</summary>
    UnreadableFile,
    /// <summary>The file is not a decodable image (corrupt, truncated, unsupported format).</summary>
    CorruptImage,
    /// <summary>A mask holds a value outside [0, C) ∪ {255}, or a colour outside the colour map.</summary>
    InvalidMaskValue,
    /// <summary>Image and mask sizes differ.</summary>
    SizeMismatch,
    /// <summary>The image or mask has an unexpected number of channels or element type.</summary>
    InvalidFormat,
}
