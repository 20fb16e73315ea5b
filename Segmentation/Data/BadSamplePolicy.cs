namespace U2PL.Segmentation.Data;

/// <summary>What the loader does with a bad sample (config <c>data.on_bad_sample</c>).</summary>
public enum BadSamplePolicy
{
    /// <summary><c>fail</c>: the error reaches the trainer (default).</summary>
    Fail,
    /// <summary><c>skip</c>: the sample is replaced by another one and counted in <see cref="BadSampleStatistics"/>.</summary>
    Skip,
}

/// <summary>Parsing of <see cref="BadSamplePolicy"/> from config text.</summary>
public static class BadSamplePolicies
{
    /// <summary>Parses "fail" or "skip" (case-insensitive).</summary>
    public static BadSamplePolicy Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "fail" or "error" or "raise" => BadSamplePolicy.Fail,
        "skip" => BadSamplePolicy.Skip,
        _ => throw new FormatException($"data.on_bad_sample must be 'fail' or 'skip', got '{text}'"),
    };
}
