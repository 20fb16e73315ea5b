using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;
using TorchSharp;
using static TorchSharp.torch;

namespace U2PL.Segmentation.Data.Images;

/// <summary>How to decode an image.</summary>
public enum ImageReadMode
{
    /// <summary>Three channels, RGB (H, W, 3) uint8.</summary>
    Color,
    /// <summary>As stored: a grayscale PNG stays one channel (H, W), 8-bit as uint8 and 16-bit as int32; others (H, W, 3).</summary>
    Unchanged,
}

/// <summary>Interpolation for <see cref="ImageCodec.Resize"/>.</summary>
public enum ImageInterpolation
{
    /// <summary>Nearest neighbour: for label masks.</summary>
    Nearest,
    /// <summary>Bilinear: for images.</summary>
    Bilinear,
}

/// <summary>
/// Image decode, encode and resize. Images are (H, W[, C]) tensors in RGB order. Colour images go through TorchVision's
/// SkiaSharp imager; masks (<see cref="ImageReadMode.Unchanged"/>) through SixLabors.ImageSharp, because TorchVision's
/// reader turns a 16-bit grayscale PNG into 8 bits, which loses class ids above 255 — the one thing ImageSharp is here for.
/// </summary>
public static class ImageCodec
{
    private static readonly torchvision.io.Imager Skia = new torchvision.io.SkiaImager(quality: 95);

    /// <summary>Decodes PNG, JPEG, BMP, ... from memory; throws <see cref="InvalidDataException"/> when it cannot.</summary>
    public static Tensor Decode(byte[] encoded, ImageReadMode mode = ImageReadMode.Color) =>
        mode == ImageReadMode.Color ? DecodeColor(encoded) : DecodeUnchanged(encoded);

    /// <summary>Reads and decodes an image file; errors name the file.</summary>
    public static Tensor Read(string path, ImageReadMode mode = ImageReadMode.Color)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read image '{path}': {e.Message}", e);
        }
        try
        {
            return Decode(bytes, mode);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"cannot decode image '{path}': {e.Message}", e);
        }
    }

    /// <summary>Encodes an (H, W, 3) or (H, W) uint8 image to the format of <paramref name="extension"/> (".png", ".jpg").</summary>
    public static byte[] Encode(Tensor image, string extension = ".png")
    {
        var format = extension.ToLowerInvariant() switch
        {
            ".png" => torchvision.ImageFormat.Png,
            ".jpg" or ".jpeg" => torchvision.ImageFormat.Jpeg,
            ".bmp" => torchvision.ImageFormat.Bmp,
            _ => throw new ArgumentException($"cannot encode images as '{extension}': use .png or .jpg", nameof(extension)),
        };
        if (image.dtype != ScalarType.Byte || image.ndim is not (2 or 3))
        {
            throw new ArgumentException($"expected an (H, W[, C]) uint8 image, got {image.dtype} ({string.Join(", ", image.shape)})", nameof(image));
        }
        using var scope = NewDisposeScope();
        var chw = (image.ndim == 2 ? image.unsqueeze(0) : image.permute(2, 0, 1)).contiguous();
        return Skia.EncodeImage(chw, format);
    }

    /// <summary>Encodes by the file's extension and writes atomically (temp file, then rename).</summary>
    public static void Write(string path, Tensor image)
    {
        var bytes = Encode(image, Path.GetExtension(path));
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Resizes an (H, W[, C]) image: bilinear with half-pixel centres and no antialiasing (as OpenCV's INTER_LINEAR and
    /// torch's interpolate(align_corners=False)), rounded back for integer images; nearest picks floor(dst · in/out).
    /// </summary>
    public static Tensor Resize(Tensor image, long height, long width, ImageInterpolation interpolation = ImageInterpolation.Bilinear)
    {
        using var scope = NewDisposeScope();
        var nchw = (image.ndim == 2 ? image.unsqueeze(-1) : image).permute(2, 0, 1).unsqueeze(0);
        var mode = interpolation == ImageInterpolation.Bilinear ? InterpolationMode.Bilinear : InterpolationMode.Nearest;
        var resized = nn.functional.interpolate(nchw.to(ScalarType.Float32), [height, width], mode: mode,
            align_corners: interpolation == ImageInterpolation.Bilinear ? false : null);
        if (image.dtype != ScalarType.Float32)
        {
            resized = interpolation == ImageInterpolation.Bilinear ? resized.round_() : resized;
            if (image.dtype == ScalarType.Byte)
            {
                using var black = 0.ToScalar(); // held through the native call (README, "Implicit Scalars")
                using var white = 255.ToScalar();
                resized = resized.clamp_(black, white);
            }
            resized = resized.to(image.dtype);
        }
        var hwc = resized.squeeze(0).permute(1, 2, 0);
        return (image.ndim == 2 ? hwc.squeeze(-1) : hwc).contiguous().MoveToOuterDisposeScope();
    }

    private static Tensor DecodeColor(byte[] encoded)
    {
        using var scope = NewDisposeScope();
        Tensor chw;
        try
        {
            chw = Skia.DecodeImage(encoded, torchvision.io.ImageReadMode.RGB);
        }
        catch (Exception e) when (e is NullReferenceException or ArgumentException or NotImplementedException)
        {
            // SkiaSharp answers an undecodable buffer with a null bitmap, which TorchVision dereferences.
            throw new InvalidDataException("not an image SkiaSharp can decode (PNG, JPEG, BMP, GIF, WebP)", e);
        }
        return chw.permute(1, 2, 0).contiguous().MoveToOuterDisposeScope();
    }

    private static Tensor DecodeUnchanged(byte[] encoded)
    {
        try
        {
            var info = Image.Identify(encoded, out var format) ?? throw new InvalidDataException("unknown image format");
            var png = format is PngFormat ? info.Metadata.GetPngMetadata() : null;
            var grayscale = png is not null
                ? png.ColorType is PngColorType.Grayscale
                : info.PixelType.BitsPerPixel is 8 or 16 && format is not SixLabors.ImageSharp.Formats.Gif.GifFormat;
            if (grayscale && (png?.BitDepth == PngBitDepth.Bit16 || png is null && info.PixelType.BitsPerPixel == 16))
            {
                using var image16 = Image.Load<L16>(encoded);
                var pixels = new L16[image16.Height * image16.Width];
                image16.CopyPixelDataTo(pixels);
                return torch.tensor(Array.ConvertAll(pixels, pixel => (int)pixel.PackedValue), [image16.Height, image16.Width]);
            }
            if (grayscale)
            {
                using var image8 = Image.Load<L8>(encoded);
                var ids = new byte[image8.Height * image8.Width];
                image8.CopyPixelDataTo(ids);
                return torch.tensor(ids, [image8.Height, image8.Width]);
            }
            using var rgb = Image.Load<Rgb24>(encoded);
            var bytes = new byte[rgb.Height * rgb.Width * 3];
            rgb.CopyPixelDataTo(bytes);
            return torch.tensor(bytes, [rgb.Height, rgb.Width, 3]);
        }
        catch (Exception e) when (e is UnknownImageFormatException or ImageFormatException or NotSupportedException)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
