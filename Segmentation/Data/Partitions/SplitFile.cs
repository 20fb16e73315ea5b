namespace U2PL.Segmentation.Data;

/// <summary>One line of a split file: its 1-based line number and the sample id it names.</summary>
public readonly record struct SplitEntry(int Line, string Id);

/// <summary>
/// Split lists in the format of the official U2PL <c>data/splits/*/labeled.txt</c> / <c>unlabeled.txt</c>: one sample
/// per line, newline-terminated, no header. The line is the sample id: a file stem for PASCAL VOC ("2007_000733"),
/// CamVid and folder datasets, and the image path relative to the root for Cityscapes
/// ("leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png").
/// </summary>
public static class SplitFile
{
    /// <summary>Reads the non-blank lines (trimmed) with their line numbers.</summary>
    public static IReadOnlyList<SplitEntry> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new SplitFileException(path, 0, path, $"split file not found: '{path}'");
        }
        var entries = new List<SplitEntry>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            var id = line.Trim();
            if (id.Length > 0)
            {
                entries.Add(new SplitEntry(number, id));
            }
        }
        if (entries.Count == 0)
        {
            throw new SplitFileException(path, 0, null, $"split file '{path}' lists no samples");
        }
        return entries;
    }

    /// <summary>Writes one id per line, '\n'-terminated, atomically (temporary file, then rename).</summary>
    public static void Write(string path, IEnumerable<string> ids)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        using (var writer = new StreamWriter(temporary, append: false, new System.Text.UTF8Encoding(false)))
        {
            writer.NewLine = "\n";
            foreach (var id in ids)
            {
                if (id.Length == 0 || id.Contains('\n') || id.Trim() != id)
                {
                    throw new ArgumentException($"sample id '{id}' cannot be written as a split-file line", nameof(ids));
                }
                writer.WriteLine(id);
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Resolves every line through <paramref name="layout"/> and checks that the files it names exist; a missing file
    /// is a <see cref="SplitFileException"/> naming the split file, the line and the missing path.
    /// </summary>
    public static IReadOnlyList<SampleFiles> Resolve(string path, IDatasetLayout layout, bool requireMasks)
    {
        var result = new List<SampleFiles>();
        foreach (var entry in Read(path))
        {
            var files = layout.Resolve(entry.Id);
            CheckExists(path, entry, files.ImagePath);
            if (requireMasks)
            {
                CheckExists(path, entry, files.MaskPath ?? "(no mask path)");
            }
            result.Add(files);
        }
        return result;
    }

    private static void CheckExists(string splitFile, SplitEntry entry, string file)
    {
        if (!File.Exists(file))
        {
            throw new SplitFileException(splitFile, entry.Line, file,
                $"split file '{splitFile}' line {entry.Line} ('{entry.Id}') names a missing file: '{file}'");
        }
    }
}
