namespace U2PL.Segmentation.Data;

/// <summary>A split file that cannot be used: names the split file, the line, and (when a file is missing) the path.</summary>
public sealed class SplitFileException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SplitFileException(string splitFile, int line, string? missingPath, string message)
        : base(message)
    {
        SplitFile = splitFile;
        Line = line;
        MissingPath = missingPath;
    }

    /// <summary>The split file.</summary>
    public string SplitFile { get; }

    /// <summary>1-based line number (0 when the problem is the whole file).</summary>
    public int Line { get; }

    /// <summary>The file the line names that does not exist, if that is the problem.</summary>
    public string? MissingPath { get; }
}
