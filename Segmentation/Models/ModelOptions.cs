namespace U2PL.Segmentation.Models;

/// <summary>What defines a segmentation model's shape (saved in every weights file's metadata).</summary>
public sealed record ModelOptions(ResNetArchitecture Architecture, int NumClasses = 21, int OutputStride = 8)
{
    /// <summary>ASPP dilations: 12/24/36 at output stride 8, 6/12/18 at 16.</summary>
    public long[] AsppDilations => OutputStride == 8 ? [12, 24, 36] : [6, 12, 18];

    /// <summary>Every problem with these options, empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (NumClasses < 2)
        {
            problems.Add($"classes must be at least 2, got {NumClasses}");
        }
        if (NumClasses > 255)
        {
            problems.Add($"classes must be at most 255 (255 marks ignored pixels), got {NumClasses}");
        }
        if (OutputStride is not (8 or 16))
        {
            problems.Add($"output stride must be 8 or 16, got {OutputStride}");
        }
        return problems;
    }
}
