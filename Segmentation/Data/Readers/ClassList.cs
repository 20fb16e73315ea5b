namespace U2PL.Segmentation.Data;

/// <summary>Class-name files (one name per line; line i = class id i) and the built-in class lists.</summary>
public static class ClassList
{
    /// <summary>PASCAL VOC 2012: background + 20 object classes.</summary>
    public static IReadOnlyList<string> PascalVoc { get; } =
    [
        "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
        "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ];

    /// <summary>Cityscapes' 19 evaluation classes in trainId order.</summary>
    public static IReadOnlyList<string> Cityscapes { get; } =
    [
        "road", "sidewalk", "building", "wall", "fence", "pole", "traffic light", "traffic sign", "vegetation",
        "terrain", "sky", "person", "rider", "car", "truck", "bus", "train", "motorcycle", "bicycle",
    ];

    /// <summary>Reads a class-name file; errors name the file.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"class list not found: '{path}'", path);
        }
        var names = File.ReadLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length is 0 or > 255)
        {
            throw new InvalidDataException($"class list '{path}' must name 1..255 classes, found {names.Length}");
        }
        return names;
    }
}
