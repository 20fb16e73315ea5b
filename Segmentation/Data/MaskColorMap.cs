namespace U2PL.Segmentation.Data;

/// <summary>
/// Colour → class id for colour-coded masks. OpenCV decodes palettized PNGs (VOC's SegmentationClass) to RGB, so the
/// palette has to be mapped back to indices here.
/// </summary>
public sealed class MaskColorMap
{
    private readonly Dictionary<int, byte> _ids;

    /// <summary>Creates a map from (r, g, b) → id entries.</summary>
    public MaskColorMap(IEnumerable<((byte R, byte G, byte B) Color, byte Id)> entries)
    {
        _ids = entries.ToDictionary(e => Key(e.Color.R, e.Color.G, e.Color.B), e => e.Id);
    }

    /// <summary>
    /// The PASCAL VOC colour map (bit-interleaved palette) for ids 0..20, and the object-border colour (224, 224, 192) → 255.
    /// </summary>
    public static MaskColorMap PascalVoc { get; } = new(
        Enumerable.Range(0, 21).Select(i => (VocColor(i), (byte)i)).Concat([(((byte)224, (byte)224, (byte)192), (byte)255)]));

    /// <summary>The VOC palette colour of index <paramref name="index"/>.</summary>
    public static (byte R, byte G, byte B) VocColor(int index)
    {
        int r = 0, g = 0, b = 0, c = index;
        for (var j = 0; j < 8; j++)
        {
            r |= ((c >> 0) & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
            c >>= 3;
        }
        return ((byte)r, (byte)g, (byte)b);
    }

    /// <summary>The id of a colour, or false when the colour is not in the map.</summary>
    public bool TryGetId(byte r, byte g, byte b, out byte id) => _ids.TryGetValue(Key(r, g, b), out id);

    private static int Key(byte r, byte g, byte b) => (r << 16) | (g << 8) | b;
}
