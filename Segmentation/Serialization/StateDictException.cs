namespace U2PL.Segmentation.Serialization;

/// <summary>Weights that do not fit a model: every missing key, unexpected key and shape mismatch at once.</summary>
public sealed class StateDictException : Exception
{
    /// <summary>Creates the exception from the list of problems.</summary>
    public StateDictException(IReadOnlyList<string> problems)
        : base($"the weights do not fit the model ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):\n  " + string.Join("\n  ", problems)) =>
        Problems = problems;

    /// <summary>Each problem, one line each.</summary>
    public IReadOnlyList<string> Problems { get; }
}
