using U2PL.Segmentation.Data;

namespace U2PL.Synthetic;

/// <summary>
/// The photographic finish of a synthetic scene: global exposure, haze toward the horizon, a 3×3 box blur (which
/// blends colours across object boundaries, leaving boundary pixels ambiguous) and Gaussian-like sensor noise.
/// </summary>
internal static class SyntheticFinishing
{
    public static void Apply(SyntheticCanvas canvas, ref DeterministicRandom random, double noiseStd, Span<byte> rgbOut)
    {
        var (height, width) = (canvas.Height, canvas.Width);
        var exposure = (float)random.NextDouble(0.75, 1.15);
        var haze = (float)random.NextDouble(0, 0.3);
        var noiseSalt = (uint)random.NextUInt64();
        var blurred = BoxBlur(canvas.Rgb, height, width);
        // Sum of four uniforms has variance 4/12 = 1/3: scale by sqrt(3) for unit standard deviation.
        var noiseScale = (float)(noiseStd * Math.Sqrt(3));
        for (var y = 0; y < height; y++)
        {
            var fog = haze * (1 - Math.Abs(y - height * 0.45f) / height);
            for (var x = 0; x < width; x++)
            {
                // One 64-bit hash per pixel gives four 16-bit uniforms for each channel's noise.
                var bits = PixelBits(x, y, noiseSalt);
                for (var c = 0; c < 3; c++)
                {
                    var i = 3 * (y * width + x) + c;
                    var word = c == 0 ? bits.A : c == 1 ? bits.B : bits.C;
                    var noise = ((word & 0xFFFF) + ((word >> 16) & 0xFFFF) + ((word >> 32) & 0xFFFF) + (word >> 48)) / 65536f - 2f;
                    var value = blurred[i] * exposure * (1 - fog) + 205f * fog + noise * noiseScale;
                    rgbOut[i] = (byte)Math.Clamp(MathF.Round(value), 0, 255);
                }
            }
        }
    }

    private static (ulong A, ulong B, ulong C) PixelBits(int x, int y, uint salt)
    {
        var random = new DeterministicRandom(((ulong)salt << 32) ^ ((ulong)(uint)y << 16) ^ (uint)x);
        return (random.NextUInt64(), random.NextUInt64(), random.NextUInt64());
    }

    private static float[] BoxBlur(float[] rgb, int height, int width)
    {
        var horizontal = new float[rgb.Length];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var (a, b) = (Math.Max(0, x - 1), Math.Min(width - 1, x + 1));
                for (var c = 0; c < 3; c++)
                {
                    horizontal[3 * (y * width + x) + c] =
                        (rgb[3 * (y * width + a) + c] + rgb[3 * (y * width + x) + c] + rgb[3 * (y * width + b) + c]) / 3f;
                }
            }
        }
        var result = new float[rgb.Length];
        for (var y = 0; y < height; y++)
        {
            var (a, b) = (Math.Max(0, y - 1), Math.Min(height - 1, y + 1));
            for (var i = 0; i < width * 3; i++)
            {
                result[y * width * 3 + i] = (horizontal[a * width * 3 + i] + horizontal[y * width * 3 + i] + horizontal[b * width * 3 + i]) / 3f;
            }
        }
        return result;
    }
}
