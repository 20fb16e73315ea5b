namespace U2PL.Runtime;

/// <summary>Base of the attributes that choose where a grain class is activated.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public abstract class PlacementAttribute : Attribute;

/// <summary>Places new activations on a random eligible silo (the default).</summary>
public sealed class RandomPlacementAttribute : PlacementAttribute;

/// <summary>Places new activations on the eligible silo chosen by a hash of the grain id (stable while membership is).</summary>
public sealed class HashBasedPlacementAttribute : PlacementAttribute;

/// <summary>
/// Restricts a grain class to silos that declare <paramref name="role"/> (e.g. <c>gpu</c> for workers,
/// <c>state</c> for parameter servers and memory banks). A silo started with role <c>all</c> hosts every role.
/// </summary>
/// <param name="role">The required role.</param>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class SiloRoleAttribute(string role) : Attribute
{
    /// <summary>The role a hosting silo must have.</summary>
    public string Role { get; } = role;
}

/// <summary>
/// Each activation of this grain class occupies one GPU slot of its silo: a silo hosts at most its
/// <c>--gpu-slots</c> count of such activations.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true)]
public sealed class UsesGpuSlotAttribute : Attribute;
