using System.IO.Compression;
using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Data.Images;

namespace U2PL.Segmentation.Tests.Data;

/// <summary>Small image/mask files written into a temporary folder, and the shared datasets' location.</summary>
internal sealed class DataFixtures : IDisposable
{
    public DataFixtures()
    {
        Root = Path.Combine(Path.GetTempPath(), "u2pl-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Writes an (h, w, 3) image whose pixels are a function of (seed, y, x).</summary>
    public string WriteImage(string relative, int height, int width, int seed = 0)
    {
        var data = new byte[height * width * 3];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)((i * 7 + seed * 31) % 251);
        }
        return Write(relative, torch.tensor(data, height, width, 3));
    }

    /// <summary>Writes an (h, w) single-channel mask whose pixels come from <paramref name="value"/>.</summary>
    public string WriteMask(string relative, int height, int width, Func<int, int, byte> value)
    {
        var data = new byte[height * width];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                data[y * width + x] = value(y, x);
            }
        }
        return Write(relative, torch.tensor(data, height, width));
    }

    public string WriteText(string relative, params string[] lines)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, string.Concat(lines.Select(l => l + "\n")));
        return path;
    }

    public string WriteBytes(string relative, byte[] bytes)
    {
        var path = PathOf(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private string Write(string relative, Tensor tensor)
    {
        using (tensor)
        {
            var path = PathOf(relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            ImageCodec.Write(path, tensor);
            return path;
        }
    }

    /// <summary>
    /// A genuine 8-bit palettized PNG (colour type 3), as VOC's SegmentationClass masks are: OpenCV cannot write one,
    /// so it is encoded here (IHDR, PLTE, zlib IDAT with filter 0, IEND).
    /// </summary>
    public string WritePalettePng(string relative, int height, int width, Func<int, int, byte> index, IReadOnlyList<(byte R, byte G, byte B)> palette)
    {
        using var png = new MemoryStream();
        png.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BigEndian(header, 0, width);
        BigEndian(header, 4, height);
        header[8] = 8;
        header[9] = 3;
        Chunk(png, "IHDR", header);
        Chunk(png, "PLTE", palette.SelectMany(c => new[] { c.R, c.G, c.B }).ToArray());
        using var raw = new MemoryStream();
        using (var z = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            for (var y = 0; y < height; y++)
            {
                z.WriteByte(0);
                for (var x = 0; x < width; x++)
                {
                    z.WriteByte(index(y, x));
                }
            }
        }
        Chunk(png, "IDAT", raw.ToArray());
        Chunk(png, "IEND", []);
        return WriteBytes(relative, png.ToArray());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>../shared/datasets/camvid-180x240 beside the checkout holding U2PL.Orleans.sln, or null.</summary>
    public static string? SharedCamVid()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "U2PL.Orleans.sln")))
            {
                var camvid = Path.GetFullPath(Path.Combine(dir.FullName, "..", "shared", "datasets", "camvid-180x240"));
                return Directory.Exists(camvid) ? camvid : null;
            }
        }
        return null;
    }

    private static void Chunk(Stream png, string type, byte[] data)
    {
        var length = new byte[4];
        BigEndian(length, 0, data.Length);
        png.Write(length);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        png.Write(typed);
        var crc = new byte[4];
        BigEndian(crc, 0, (int)Crc32(typed));
        png.Write(crc);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
            }
        }
        return ~crc;
    }

    private static void BigEndian(byte[] target, int offset, int value)
    {
        target[offset] = (byte)(value >> 24);
        target[offset + 1] = (byte)(value >> 16);
        target[offset + 2] = (byte)(value >> 8);
        target[offset + 3] = (byte)value;
    }
}
