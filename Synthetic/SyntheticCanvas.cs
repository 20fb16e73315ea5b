namespace U2PL.Synthetic;

/// <summary>
/// A float RGB canvas with a label plane and the few primitives the synthetic scenes need: rectangles, ellipses and
/// per-pixel shading with hash-based value noise. Painting is in painter's order, so later shapes occlude earlier ones
/// in both the image and the label.
/// </summary>
internal sealed class SyntheticCanvas
{
    public SyntheticCanvas(int height, int width)
    {
        Height = height;
        Width = width;
        Rgb = new float[height * width * 3];
        Labels = new byte[height * width];
    }

    public int Height { get; }

    public int Width { get; }

    public float[] Rgb { get; }

    public byte[] Labels { get; }

    /// <summary>Paints one pixel (clipped) with a colour and a label.</summary>
    public void Set(int x, int y, float r, float g, float b, byte label)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            return;
        }
        var i = y * Width + x;
        Rgb[3 * i] = r;
        Rgb[3 * i + 1] = g;
        Rgb[3 * i + 2] = b;
        Labels[i] = label;
    }

    /// <summary>Fills [x0, x1) × [y0, y1) with a textured material.</summary>
    public void FillRect(double x0, double y0, double x1, double y1, Material material, byte label)
    {
        var (xa, xb) = (Math.Max(0, (int)Math.Round(x0)), Math.Min(Width, (int)Math.Round(x1)));
        var (ya, yb) = (Math.Max(0, (int)Math.Round(y0)), Math.Min(Height, (int)Math.Round(y1)));
        for (var y = ya; y < yb; y++)
        {
            for (var x = xa; x < xb; x++)
            {
                Paint(x, y, material, label);
            }
        }
    }

    /// <summary>Fills the ellipse centred at (cx, cy) with radii (rx, ry); <paramref name="ragged"/> roughens the edge.</summary>
    public void FillEllipse(double cx, double cy, double rx, double ry, Material material, byte label, double ragged = 0)
    {
        if (rx <= 0 || ry <= 0)
        {
            return;
        }
        var reach = 1 + ragged;
        var (xa, xb) = (Math.Max(0, (int)(cx - rx * reach)), Math.Min(Width - 1, (int)(cx + rx * reach) + 1));
        var (ya, yb) = (Math.Max(0, (int)(cy - ry * reach)), Math.Min(Height - 1, (int)(cy + ry * reach) + 1));
        for (var y = ya; y <= yb; y++)
        {
            for (var x = xa; x <= xb; x++)
            {
                var dx = (x + 0.5 - cx) / rx;
                var dy = (y + 0.5 - cy) / ry;
                var limit = 1.0 + ragged * (ValueNoise(x, y, 3, material.Salt ^ 0xABCDu) - 0.5) * 2;
                if (dx * dx + dy * dy <= limit * limit)
                {
                    Paint(x, y, material, label);
                }
            }
        }
    }

    /// <summary>Paints one pixel with a material's base colour plus its texture.</summary>
    public void Paint(int x, int y, Material material, byte label)
    {
        var t = material.Texture == 0 ? 0f : material.Texture * (ValueNoise(x, y, material.Scale, material.Salt) - 0.5f);
        var fine = material.Grain == 0 ? 0f : material.Grain * (Hash01(x, y, material.Salt ^ 0x5555u) - 0.5f);
        Set(x, y, material.R + t + fine, material.G + t + fine, material.B + t * 0.8f + fine, label);
    }

    /// <summary>Scales the colour of a region without touching its label (shadows).</summary>
    public void Darken(double x0, double y0, double x1, double y1, float factor)
    {
        var (xa, xb) = (Math.Max(0, (int)x0), Math.Min(Width, (int)x1));
        var (ya, yb) = (Math.Max(0, (int)y0), Math.Min(Height, (int)y1));
        for (var y = ya; y < yb; y++)
        {
            for (var x = xa; x < xb; x++)
            {
                var i = 3 * (y * Width + x);
                Rgb[i] *= factor;
                Rgb[i + 1] *= factor;
                Rgb[i + 2] *= factor;
            }
        }
    }

    /// <summary>A hash of (x, y, salt) mapped to [0, 1).</summary>
    public static float Hash01(int x, int y, uint salt)
    {
        var h = unchecked((uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ salt * 0xCB1AB31Fu);
        h ^= h >> 13;
        h = unchecked(h * 0x5BD1E995u);
        h ^= h >> 15;
        return (h & 0xFFFFFF) / 16777216f;
    }

    /// <summary>Bilinear value noise in [0, 1) with lattice spacing <paramref name="scale"/> pixels.</summary>
    public static float ValueNoise(int x, int y, int scale, uint salt)
    {
        if (scale <= 1)
        {
            return Hash01(x, y, salt);
        }
        var gx = Math.DivRem(x, scale, out var rx);
        var gy = Math.DivRem(y, scale, out var ry);
        var fx = (float)rx / scale;
        var fy = (float)ry / scale;
        var top = Lerp(Hash01(gx, gy, salt), Hash01(gx + 1, gy, salt), fx);
        var bottom = Lerp(Hash01(gx, gy + 1, salt), Hash01(gx + 1, gy + 1, salt), fx);
        return Lerp(top, bottom, fy);
    }

    private static float Lerp(float a, float b, float t) => a + (b - a) * t;
}

/// <summary>A base colour with low-frequency texture (amplitude, scale) and per-pixel grain.</summary>
internal readonly record struct Material(float R, float G, float B, float Texture, int Scale, float Grain, uint Salt);
