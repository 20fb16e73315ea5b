using U2PL.Segmentation.Data;

namespace U2PL.Synthetic;

/// <summary>
/// Composes one street scene: sky, a row of buildings with windows, a perspective road with lane markings between
/// sidewalks and grass, then trees, poles, cars and people from far to near (so near objects occlude far ones),
/// lighting and haze, a 3×3 blur that mixes colours across boundaries, and sensor noise. Window glass that mirrors
/// the sky, grey cars on grey roads, paving close to asphalt and car shadows make some pixels genuinely ambiguous.
/// Everything derives from (seed, index) through <see cref="DeterministicRandom"/>.
/// </summary>
internal static class SyntheticSceneRenderer
{
    public static void Render(long seed, int index, int height, int width, double noiseStd, Span<byte> rgbOut, Span<byte> labelsOut)
    {
        var random = DeterministicRandom.FromKeys(seed, index, 0x57EE7);
        var canvas = new SyntheticCanvas(height, width);
        var scene = new Scene(height, width, height * random.NextDouble(0.36, 0.5), width * random.NextDouble(0.35, 0.65));
        PaintSky(canvas, ref random, scene);
        PaintBuildings(canvas, ref random, scene);
        PaintGround(canvas, ref random, scene);
        PaintTrees(canvas, ref random, scene);
        PaintObjects(canvas, ref random, scene);
        SyntheticFinishing.Apply(canvas, ref random, noiseStd, rgbOut);
        canvas.Labels.CopyTo(labelsOut);
    }

    private static void PaintSky(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene)
    {
        var top = (R: (float)random.NextDouble(60, 110), G: (float)random.NextDouble(110, 160), B: (float)random.NextDouble(190, 235));
        var salt = (uint)random.NextUInt64();
        for (var y = 0; y < scene.Height; y++)
        {
            var t = (float)Math.Clamp(y / Math.Max(1, scene.Horizon), 0, 1);
            var material = new Material(top.R + 100 * t, top.G + 70 * t, top.B + 10 * t, 60, 12, 3, salt);
            for (var x = 0; x < scene.Width; x++)
            {
                canvas.Paint(x, y, material, SyntheticClasses.Sky);
            }
        }
    }

    private static void PaintBuildings(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene)
    {
        var x = -random.NextDouble(0, scene.Width * 0.1);
        while (x < scene.Width)
        {
            var w = scene.Width * random.NextDouble(0.08, 0.26);
            if (random.NextBool(0.12))
            {
                x += w * 0.5;
                continue;
            }
            var top = Math.Max(0, scene.Horizon - scene.Height * random.NextDouble(0.08, 0.42));
            var shade = (float)random.NextDouble(-40, 40);
            var material = new Material(150 + shade + (float)random.NextDouble(-30, 30), 135 + shade, 120 + shade + (float)random.NextDouble(-30, 30), 25, 6, 10, (uint)random.NextUInt64());
            canvas.FillRect(x, top, x + w, scene.Horizon + 2, material, SyntheticClasses.Building);
            var mirror = random.NextBool(0.4);
            var glass = mirror
                ? new Material(120, 155, 200, 30, 4, 6, (uint)random.NextUInt64())
                : new Material(45, 50, 65, 15, 3, 6, (uint)random.NextUInt64());
            var (sx, sy) = (random.NextDouble(5, 10), random.NextDouble(6, 11));
            for (var wy = top + sy * 0.4; wy + sy * 0.5 < scene.Horizon - 2; wy += sy)
            {
                for (var wx = x + sx * 0.3; wx + sx * 0.5 < x + w; wx += sx)
                {
                    canvas.FillRect(wx, wy, wx + sx * 0.5, wy + sy * 0.5, glass, SyntheticClasses.Building);
                }
            }
            x += w;
        }
    }

    private static void PaintGround(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene)
    {
        var asphalt = (float)random.NextDouble(70, 115);
        var road = new Material(asphalt, asphalt, asphalt + 4, 18, 5, 16, (uint)random.NextUInt64());
        var paving = asphalt + (float)random.NextDouble(12, 60);
        var sidewalk = new Material(paving + 8, paving, paving - 6, 14, 4, 12, (uint)random.NextUInt64());
        var grass = new Material(70, 115, 45, 35, 3, 14, (uint)random.NextUInt64());
        var marking = new Material(215, 215, 200, 10, 2, 8, 0x77u);
        var tile = random.Next(6, 10);
        for (var y = (int)scene.Horizon; y < scene.Height; y++)
        {
            var t = scene.Depth(y);
            var (roadHalf, sideHalf) = (scene.RoadHalf(t), scene.SidewalkHalf(t));
            var dash = ((int)(Math.Log(1 + 40 * t) * 6) & 1) == 0;
            for (var x = 0; x < scene.Width; x++)
            {
                var d = Math.Abs(x + 0.5 - scene.VanishingX);
                if (d < roadHalf)
                {
                    var lane = dash && d < 0.6 + 2.5 * t;
                    canvas.Paint(x, y, lane ? marking : road, SyntheticClasses.Road);
                }
                else if (d < sideHalf)
                {
                    var joint = (x % tile == 0 || y % tile == 0) ? -25f : 0f;
                    canvas.Paint(x, y, sidewalk with { R = sidewalk.R + joint, G = sidewalk.G + joint, B = sidewalk.B + joint }, SyntheticClasses.Sidewalk);
                }
                else
                {
                    canvas.Paint(x, y, grass, SyntheticClasses.Vegetation);
                }
            }
        }
    }

    private static void PaintTrees(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene)
    {
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            var left = random.NextBool(0.5);
            var cx = left ? random.NextDouble(0, scene.VanishingX * 0.6) : random.NextDouble(scene.VanishingX + (scene.Width - scene.VanishingX) * 0.4, scene.Width);
            var r = scene.Height * random.NextDouble(0.07, 0.17);
            var cy = scene.Horizon - r * random.NextDouble(0.3, 1.2);
            var trunk = new Material(90, 65, 45, 15, 2, 10, (uint)random.NextUInt64());
            canvas.FillRect(cx - r * 0.12, cy, cx + r * 0.12, scene.Horizon + r * 0.4, trunk, SyntheticClasses.Vegetation);
            var green = (float)random.NextDouble(-20, 20);
            var leaves = new Material(55 + green, 110 + green, 40, 70, 3, 20, (uint)random.NextUInt64());
            canvas.FillEllipse(cx, cy, r, r * random.NextDouble(0.8, 1.2), leaves, SyntheticClasses.Vegetation, ragged: 0.35);
        }
    }

    private static void PaintObjects(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene)
    {
        var objects = new List<(double Base, int Kind, ulong Salt)>();
        foreach (var kind in new[] { SyntheticClasses.Car, SyntheticClasses.Person, SyntheticClasses.Pole })
        {
            var count = random.Next(1, kind == SyntheticClasses.Car ? 4 : 3);
            for (var i = 0; i < count; i++)
            {
                objects.Add((random.NextDouble(0.15, 0.95), kind, random.NextUInt64()));
            }
        }
        foreach (var (depth, kind, salt) in objects.OrderBy(o => o.Base).ThenBy(o => o.Kind))
        {
            var local = new DeterministicRandom(salt);
            var y = scene.Horizon + depth * (scene.Height - scene.Horizon);
            switch (kind)
            {
                case SyntheticClasses.Car: SyntheticObjects.Car(canvas, ref local, scene, y, depth); break;
                case SyntheticClasses.Person: SyntheticObjects.Person(canvas, ref local, scene, y, depth); break;
                default: SyntheticObjects.Pole(canvas, ref local, scene, y, depth); break;
            }
        }
    }
}

/// <summary>Scene geometry: horizon, vanishing point and the perspective widths of road and sidewalk.</summary>
internal readonly record struct Scene(int Height, int Width, double Horizon, double VanishingX)
{
    /// <summary>0 at the horizon, 1 at the bottom row.</summary>
    public double Depth(double y) => Math.Clamp((y - Horizon) / (Height - Horizon), 0, 1);

    public double RoadHalf(double depth) => Width * (0.02 + 0.55 * depth);

    public double SidewalkHalf(double depth) => RoadHalf(depth) + Width * (0.015 + 0.28 * depth);
}
