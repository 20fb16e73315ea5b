namespace U2PL.Runtime;

/// <summary>The identity of a grain: its type name (the grain interface's alias) and its key.</summary>
/// <param name="Type">The grain type, e.g. <c>u2pl.worker</c>; by default the grain interface's full name.</param>
/// <param name="Key">The grain key: a string key, or an integer key in invariant decimal form.</param>
public readonly record struct GrainId(string Type, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";

    /// <summary>Whether this is the id of a system target (client routes, observers) rather than a user grain.</summary>
    public bool IsSystem => Type.StartsWith("sys.", StringComparison.Ordinal);
}
