using U2PL.Segmentation.Data;

namespace U2PL.Synthetic;

/// <summary>The foreground objects of a synthetic scene, sized by perspective depth.</summary>
internal static class SyntheticObjects
{
    public static void Car(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene, double baseY, double depth)
    {
        var w = scene.Width * (0.08 + 0.3 * depth) * random.NextDouble(0.85, 1.15);
        var h = w * random.NextDouble(0.45, 0.6);
        var cx = scene.VanishingX + random.NextDouble(-0.8, 0.8) * scene.RoadHalf(depth);
        var palette = random.Next(5);
        var (r, g, b) = palette switch
        {
            0 => (180f, 30f, 30f),
            1 => (30f, 50f, 150f),
            2 => (220f, 220f, 225f),
            3 => (35f, 35f, 40f),
            _ => (100f, 100f, 105f), // road-grey car: ambiguous against asphalt
        };
        canvas.Darken(cx - w * 0.55, baseY - h * 0.1, cx + w * 0.55, baseY + h * 0.12, 0.55f);
        var body = new Material(r, g, b, 12, 6, 6, (uint)random.NextUInt64());
        canvas.FillRect(cx - w / 2, baseY - h * 0.62, cx + w / 2, baseY - h * 0.12, body, SyntheticClasses.Car);
        canvas.FillRect(cx - w * 0.32, baseY - h, cx + w * 0.32, baseY - h * 0.6, body, SyntheticClasses.Car);
        var glass = new Material(60, 75, 95, 25, 3, 8, (uint)random.NextUInt64());
        canvas.FillRect(cx - w * 0.27, baseY - h * 0.93, cx + w * 0.27, baseY - h * 0.64, glass, SyntheticClasses.Car);
        var tyre = new Material(25, 25, 28, 8, 2, 6, (uint)random.NextUInt64());
        var wheel = h * 0.17;
        canvas.FillEllipse(cx - w * 0.3, baseY - wheel, wheel, wheel, tyre, SyntheticClasses.Car);
        canvas.FillEllipse(cx + w * 0.3, baseY - wheel, wheel, wheel, tyre, SyntheticClasses.Car);
    }

    public static void Person(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene, double baseY, double depth)
    {
        var h = scene.Height * (0.08 + 0.4 * depth) * random.NextDouble(0.85, 1.15);
        var side = random.NextBool(0.5) ? -1 : 1;
        var offset = scene.RoadHalf(depth) + (scene.SidewalkHalf(depth) - scene.RoadHalf(depth)) * random.NextDouble(0.2, 0.8);
        var cx = scene.VanishingX + side * offset;
        var clothes = new Material((float)random.NextDouble(20, 200), (float)random.NextDouble(20, 200), (float)random.NextDouble(20, 200), 20, 3, 10, (uint)random.NextUInt64());
        var trousers = new Material(40, 45, (float)random.NextDouble(50, 110), 10, 3, 8, (uint)random.NextUInt64());
        var skin = new Material(205, 160, 130, 10, 2, 8, (uint)random.NextUInt64());
        canvas.FillRect(cx - h * 0.09, baseY - h * 0.48, cx - h * 0.01, baseY, trousers, SyntheticClasses.Person);
        canvas.FillRect(cx + h * 0.01, baseY - h * 0.48, cx + h * 0.09, baseY, trousers, SyntheticClasses.Person);
        canvas.FillEllipse(cx, baseY - h * 0.64, h * 0.13, h * 0.2, clothes, SyntheticClasses.Person);
        canvas.FillEllipse(cx, baseY - h * 0.9, h * 0.075, h * 0.09, skin, SyntheticClasses.Person);
    }

    public static void Pole(SyntheticCanvas canvas, ref DeterministicRandom random, Scene scene, double baseY, double depth)
    {
        var side = random.NextBool(0.5) ? -1 : 1;
        var offset = scene.RoadHalf(depth) + (scene.SidewalkHalf(depth) - scene.RoadHalf(depth)) * random.NextDouble(0.05, 0.4);
        var cx = scene.VanishingX + side * offset;
        var width = Math.Max(1.0, 1 + 3 * depth);
        var top = baseY - (baseY - scene.Horizon + 2) * random.NextDouble(2.5, 4.0);
        var grey = (float)random.NextDouble(90, 150);
        var metal = new Material(grey, grey, grey + 5, 10, 4, 8, (uint)random.NextUInt64());
        canvas.FillRect(cx - width / 2, top, cx + width / 2, baseY, metal, SyntheticClasses.Pole);
    }
}
