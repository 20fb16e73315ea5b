namespace U2PL.Segmentation.Data;

/// <summary>
/// A semi-supervised partition: which sample ids are labeled and which are used unlabeled. Chosen deterministically
/// from a seed over the whole candidate list (not per sequence), and stored as the official U2PL
/// <c>labeled.txt</c> / <c>unlabeled.txt</c> pair so official splits can be used as they are.
/// </summary>
public sealed record Partition(IReadOnlyList<string> Labeled, IReadOnlyList<string> Unlabeled)
{
    /// <summary>File name of the labeled list.</summary>
    public const string LabeledFileName = "labeled.txt";

    /// <summary>File name of the unlabeled list.</summary>
    public const string UnlabeledFileName = "unlabeled.txt";

    /// <summary>
    /// Draws <paramref name="size"/> labeled ids from <paramref name="candidates"/> with <paramref name="seed"/>; the
    /// unlabeled ids are <paramref name="unlabeledPool"/> (default: the candidates) minus the labeled ones, in pool
    /// order. For VOC classic, candidates = the 1,464 list and pool = the 10,582 list.
    /// </summary>
    public static Partition Create(IReadOnlyList<string> candidates, PartitionSize size, long seed, IReadOnlyList<string>? unlabeledPool = null)
    {
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in candidates)
        {
            if (!distinct.Add(id))
            {
                throw new ArgumentException($"candidate list names '{id}' twice", nameof(candidates));
            }
        }
        var count = size.LabeledCount(candidates.Count);
        var shuffled = candidates.ToArray();
        var random = DeterministicRandom.FromKeys(seed, candidates.Count, 0x9A27);
        random.Shuffle(shuffled.AsSpan());
        var labeled = shuffled[..count];
        var chosen = new HashSet<string>(labeled, StringComparer.Ordinal);
        var unlabeled = (unlabeledPool ?? candidates).Where(id => !chosen.Contains(id)).Distinct(StringComparer.Ordinal).ToArray();
        return new Partition(labeled, unlabeled);
    }

    /// <summary>Writes <c>labeled.txt</c> and <c>unlabeled.txt</c> into <paramref name="directory"/>.</summary>
    public void Write(string directory)
    {
        SplitFile.Write(Path.Combine(directory, LabeledFileName), Labeled);
        SplitFile.Write(Path.Combine(directory, UnlabeledFileName), Unlabeled);
    }

    /// <summary>Reads <c>labeled.txt</c> and <c>unlabeled.txt</c> from <paramref name="directory"/> (ids only; see <see cref="SplitFile.Resolve"/>).</summary>
    public static Partition Read(string directory) => Read(
        Path.Combine(directory, LabeledFileName), Path.Combine(directory, UnlabeledFileName));

    /// <summary>
    /// Reads a labeled and an unlabeled split file. Ids listed in both are kept (official files are used as they
    /// are); <see cref="Overlap"/> reports them.
    /// </summary>
    public static Partition Read(string labeledFile, string unlabeledFile) => new(
        SplitFile.Read(labeledFile).Select(e => e.Id).ToArray(),
        SplitFile.Read(unlabeledFile).Select(e => e.Id).ToArray());

    /// <summary>Ids that are both labeled and unlabeled (empty for a partition made by <see cref="Create"/>).</summary>
    public IReadOnlyList<string> Overlap => Unlabeled.Intersect(Labeled, StringComparer.Ordinal).ToArray();
}
