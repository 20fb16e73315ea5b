namespace U2PL.Synthetic;

/// <summary>Class ids of the synthetic street scenes.</summary>
public static class SyntheticClasses
{
    /// <summary>Sky.</summary>
    public const byte Sky = 0;
    /// <summary>Building facades.</summary>
    public const byte Building = 1;
    /// <summary>Road surface, lane markings included.</summary>
    public const byte Road = 2;
    /// <summary>Sidewalk paving.</summary>
    public const byte Sidewalk = 3;
    /// <summary>Trees and grass.</summary>
    public const byte Vegetation = 4;
    /// <summary>Cars.</summary>
    public const byte Car = 5;
    /// <summary>Pedestrians.</summary>
    public const byte Person = 6;
    /// <summary>Poles.</summary>
    public const byte Pole = 7;

    /// <summary>Names, index = id.</summary>
    public static IReadOnlyList<string> Names { get; } = ["sky", "building", "road", "sidewalk", "vegetation", "car", "person", "pole"];
}
