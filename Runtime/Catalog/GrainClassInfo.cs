using System.Reflection;
using U2PL.Runtime.Invocation;

namespace U2PL.Runtime.Catalog;

/// <summary>What the runtime knows about a grain class: its grain types, placement, role and turn semantics.</summary>
public sealed class GrainClassInfo
{
    internal GrainClassInfo(Type grainClass, IReadOnlyList<Type> interfaces)
    {
        GrainClass = grainClass;
        Interfaces = interfaces;
        RequiredRole = grainClass.GetCustomAttribute<SiloRoleAttribute>()?.Role;
        UsesGpuSlot = grainClass.GetCustomAttribute<UsesGpuSlotAttribute>() is not null;
        IsReentrant = grainClass.GetCustomAttribute<ReentrantAttribute>() is not null;
        Placement = grainClass.GetCustomAttribute<PlacementAttribute>() ?? new RandomPlacementAttribute();
    }

    /// <summary>The grain class.</summary>
    public Type GrainClass { get; }

    /// <summary>The grain interfaces it implements.</summary>
    public IReadOnlyList<Type> Interfaces { get; }

    /// <summary>The role a silo needs to host it, or null for any silo.</summary>
    public string? RequiredRole { get; }

    /// <summary>Whether each activation takes a GPU slot.</summary>
    public bool UsesGpuSlot { get; }

    /// <summary>Whether all its calls interleave.</summary>
    public bool IsReentrant { get; }

    /// <summary>The placement strategy.</summary>
    public PlacementAttribute Placement { get; }
}

/// <summary>Grain classes by grain type name, discovered from assemblies when the silo starts.</summary>
public sealed class GrainTypeManifest
{
    private readonly Dictionary<string, GrainClassInfo> _byGrainType = new(StringComparer.Ordinal);

    /// <summary>Adds every concrete <see cref="Grain"/> class of <paramref name="assembly"/>.</summary>
    public void AddAssembly(Assembly assembly)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.Where(t => t is not null)!];
        }
        foreach (var type in types.Where(t => t is { IsClass: true, IsAbstract: false } && typeof(Grain).IsAssignableFrom(t)))
            AddGrainClass(type);
    }

    /// <summary>Adds one grain class.</summary>
    public void AddGrainClass(Type grainClass)
    {
        var interfaces = grainClass.GetInterfaces()
            .Where(i => typeof(IGrain).IsAssignableFrom(i) && i != typeof(IGrain) && i != typeof(IGrainWithStringKey) && i != typeof(IGrainWithIntegerKey))
            .ToList();
        var info = new GrainClassInfo(grainClass, interfaces);
        foreach (var grainInterface in interfaces)
        {
            var grainType = GrainInterfaceRegistry.GrainTypeOf(grainInterface);
            if (_byGrainType.TryGetValue(grainType, out var existing) && existing.GrainClass != grainClass)
                throw new InvalidOperationException($"Grain type {grainType} is implemented by both {existing.GrainClass} and {grainClass}.");
            _byGrainType[grainType] = info;
        }
    }

    /// <summary>The class hosting <paramref name="grainType"/>, or null.</summary>
    public GrainClassInfo? Find(string grainType) => _byGrainType.GetValueOrDefault(grainType);

    /// <summary>All grain types.</summary>
    public IEnumerable<string> GrainTypes => _byGrainType.Keys;
}
