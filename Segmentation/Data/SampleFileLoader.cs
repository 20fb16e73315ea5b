using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation.Data.Images;

namespace U2PL.Segmentation.Data;

/// <summary>
/// Reads and checks one image/mask pair, turning every failure into a <see cref="BadSampleException"/> that names the
/// file: missing or unreadable file, undecodable image, mask value outside [0, C) ∪ {255}, size mismatch.
/// </summary>
public static class SampleFileLoader
{
    /// <summary>The ignore label.</summary>
    public const byte IgnoreIndex = 255;

    /// <summary>Loads sample <paramref name="index"/> from <paramref name="files"/>.</summary>
    public static SegmentationSample Load(int index, SampleFiles files, int classCount, MaskColorMap? colorMap, bool withMask)
    {
        var image = ReadImage(files.ImagePath, ImageReadMode.Color);
        try
        {
            if (image.ndim != 3 || image.size(2) != 3 || image.dtype != ScalarType.Byte)
            {
                throw new BadSampleException(BadSampleReason.InvalidFormat, files.ImagePath,
                    $"image '{files.ImagePath}' decoded to {image.dtype} {Shape(image)}, expected uint8 (H, W, 3)");
            }
            if (!withMask)
            {
                return new SegmentationSample(index, files.Id, image, null);
            }
            if (files.MaskPath is null)
            {
                throw new BadSampleException(BadSampleReason.MissingFile, files.ImagePath, $"sample '{files.Id}' has no mask file");
            }
            var mask = ReadMask(files.MaskPath, classCount, colorMap);
            if (mask.size(0) != image.size(0) || mask.size(1) != image.size(1))
            {
                var message = $"size mismatch: image '{files.ImagePath}' is {image.size(0)}x{image.size(1)} (HxW) " +
                              $"but mask '{files.MaskPath}' is {mask.size(0)}x{mask.size(1)}";
                mask.Dispose();
                throw new BadSampleException(BadSampleReason.SizeMismatch, files.MaskPath, message);
            }
            return new SegmentationSample(index, files.Id, image, mask);
        }
        catch
        {
            image.Dispose();
            throw;
        }
    }

    /// <summary>Reads a mask as (H, W) uint8 ids, mapping colours through <paramref name="colorMap"/> when it is colour-coded.</summary>
    public static Tensor ReadMask(string path, int classCount, MaskColorMap? colorMap)
    {
        using var raw = ReadImage(path, ImageReadMode.Unchanged);
        if (raw.ndim == 2)
        {
            return raw.dtype switch
            {
                ScalarType.Byte => CheckedIds(raw.AsSpan<byte>(), raw, path, classCount),
                ScalarType.Int32 => CheckedIds(raw.AsSpan<int>(), raw, path, classCount),
                _ => throw new BadSampleException(BadSampleReason.InvalidFormat, path, $"mask '{path}' has element type {raw.dtype}"),
            };
        }
        if (raw.ndim == 3 && raw.size(2) is 3 or 4 && raw.dtype == ScalarType.Byte)
        {
            if (colorMap is null)
            {
                throw new BadSampleException(BadSampleReason.InvalidFormat, path,
                    $"mask '{path}' is a colour image {Shape(raw)}; expected a single-channel image of class ids");
            }
            return MapColors(raw, path, colorMap, classCount);
        }
        throw new BadSampleException(BadSampleReason.InvalidFormat, path, $"mask '{path}' decoded to {raw.dtype} {Shape(raw)}");
    }

    private static Tensor ReadImage(string path, ImageReadMode mode)
    {
        if (!File.Exists(path))
        {
            throw new BadSampleException(BadSampleReason.MissingFile, path, $"file not found: '{path}'");
        }
        try
        {
            return ImageCodec.Read(path, mode);
        }
        catch (InvalidDataException e)
        {
            throw new BadSampleException(BadSampleReason.CorruptImage, path, $"corrupt or undecodable image '{path}': {e.InnerException?.Message ?? e.Message}", e);
        }
        catch (IOException e)
        {
            throw new BadSampleException(BadSampleReason.UnreadableFile, path, e.Message, e);
        }
        catch (System.Runtime.InteropServices.ExternalException e)
        {
            throw new BadSampleException(BadSampleReason.CorruptImage, path, $"corrupt or undecodable image '{path}': {e.Message}", e);
        }
    }

    private static Tensor CheckedIds(ReadOnlySpan<byte> values, Tensor raw, string path, int classCount)
    {
        var result = torch.empty([raw.size(0), raw.size(1)], ScalarType.Byte);
        var ids = result.AsSpan<byte>();
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if (value >= classCount && value != IgnoreIndex)
            {
                result.Dispose();
                throw InvalidValue(path, value, i / raw.size(1), i % raw.size(1), classCount);
            }
            ids[i] = value;
        }
        return result;
    }

    // 16-bit PNG masks decode to int32.
    private static Tensor CheckedIds(ReadOnlySpan<int> values, Tensor raw, string path, int classCount)
    {
        var result = torch.empty([raw.size(0), raw.size(1)], ScalarType.Byte);
        var ids = result.AsSpan<byte>();
        for (var i = 0; i < values.Length; i++)
        {
            var value = values[i];
            if ((value < 0 || value >= classCount) && value != IgnoreIndex)
            {
                result.Dispose();
                throw InvalidValue(path, value, i / raw.size(1), i % raw.size(1), classCount);
            }
            ids[i] = (byte)value;
        }
        return result;
    }

    private static Tensor MapColors(Tensor raw, string path, MaskColorMap colorMap, int classCount)
    {
        var channels = (int)raw.size(2);
        var width = raw.size(1);
        var result = torch.empty([raw.size(0), width], ScalarType.Byte);
        var ids = result.AsSpan<byte>();
        var rgb = raw.AsSpan<byte>();
        for (var i = 0; i < ids.Length; i++)
        {
            var p = i * channels;
            if (!colorMap.TryGetId(rgb[p], rgb[p + 1], rgb[p + 2], out var id) || (id >= classCount && id != IgnoreIndex))
            {
                result.Dispose();
                throw new BadSampleException(BadSampleReason.InvalidMaskValue, path,
                    $"mask '{path}' has colour ({rgb[p]}, {rgb[p + 1]}, {rgb[p + 2]}) at (y={i / width}, x={i % width}), which is not in the colour map");
            }
            ids[i] = id;
        }
        return result;
    }

    private static BadSampleException InvalidValue(string path, int value, long y, long x, int classCount) =>
        new(BadSampleReason.InvalidMaskValue, path,
            $"mask '{path}' has value {value} at (y={y}, x={x}); valid values are 0..{classCount - 1} and {IgnoreIndex} (ignore)");

    private static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}
