namespace U2PL.Segmentation.Configuration;

/// <summary>A config that does not validate: every problem, each naming its key.</summary>
public sealed class ConfigException(string source, IReadOnlyList<string> problems)
    : Exception($"{source}: the config has {problems.Count} problem{(problems.Count == 1 ? "" : "s")}:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
