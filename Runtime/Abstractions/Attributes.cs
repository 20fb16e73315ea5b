namespace U2PL.Runtime;

/// <summary>Marks a grain class whose calls may interleave at await points (no turn exclusivity).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface)]
public sealed class ReentrantAttribute : Attribute;

/// <summary>Marks an interface method that only reads state: read-only calls may run together, never beside a write.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ReadOnlyAttribute : Attribute;

/// <summary>Marks an interface method that may interleave with any other call of the activation.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AlwaysInterleaveAttribute : Attribute;

/// <summary>Overrides the per-call deadline (<c>MessagingOptions.ResponseTimeout</c>) for one interface method.</summary>
/// <param name="seconds">The deadline in seconds.</param>
[AttributeUsage(AttributeTargets.Method)]
public sealed class ResponseTimeoutAttribute(double seconds) : Attribute
{
    /// <summary>The deadline.</summary>
    public TimeSpan Timeout { get; } = TimeSpan.FromSeconds(seconds);
}

/// <summary>Names a grain interface on the wire (its grain type); defaults to the interface's full name.</summary>
/// <param name="name">A stable name, e.g. <c>u2pl.worker</c>.</param>
[AttributeUsage(AttributeTargets.Interface)]
public sealed class GrainTypeAttribute(string name) : Attribute
{
    /// <summary>The grain type name.</summary>
    public string Name { get; } = name;
}

/// <summary>Marks a class, struct or record for the runtime's binary serializer; members carry <see cref="IdAttribute"/>.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct)]
public sealed class GenerateSerializerAttribute : Attribute;

/// <summary>
/// The stable field number of a serialized member. Numbers never change meaning: adding a member with a new number
/// keeps older peers working (they skip it), removing one leaves the member at its default on newer peers.
/// </summary>
/// <param name="id">The field number, 1 or more.</param>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class IdAttribute(uint id) : Attribute
{
    /// <summary>The field number.</summary>
    public uint Id { get; } = id;
}
