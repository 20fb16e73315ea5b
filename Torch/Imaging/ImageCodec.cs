using System.Runtime.InteropServices;
using U2PL.Torch.PInvoke;

namespace U2PL.Torch.Imaging;

/// <summary>How to decode an image.</summary>
public enum ImageReadMode
{
    /// <summary>Three channels, RGB (H, W, 3) uint8.</summary>
    Color = 0,
    /// <summary>One channel (H, W) uint8.</summary>
    Grayscale = 1,
    /// <summary>As stored (a 16-bit PNG stays 16-bit, as int32).</summary>
    Unchanged = 2,
}

/// <summary>Interpolation for <see cref="ImageCodec.Resize"/>.</summary>
public enum ImageInterpolation
{
    /// <summary>Nearest neighbour: for label masks.</summary>
    Nearest = 0,
    /// <summary>Bilinear: for images.</summary>
    Bilinear = 1,
}

/// <summary>Image decode, encode and resize through OpenCV in the native shim. Images are (H, W[, C]) tensors, RGB order.</summary>
public static class ImageCodec
{
    /// <summary>Decodes PNG, JPEG, BMP, ... from memory.</summary>
    public static unsafe Tensor Decode(ReadOnlySpan<byte> encoded, ImageReadMode mode = ImageReadMode.Color)
    {
        fixed (byte* pointer = encoded)
        {
            return Tensor.Wrap(NativeMethods.THSImage_decode(pointer, encoded.Length, (int)mode));
        }
    }

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
        catch (TorchException e)
        {
            throw new InvalidDataException($"cannot decode image '{path}': {e.Message}", e);
        }
    }

    /// <summary>Encodes to the format of <paramref name="extension"/> (".png", ".jpg").</summary>
    public static byte[] Encode(Tensor image, string extension = ".png")
    {
        using var contiguous = image.contiguous();
        NativeMethods.THSImage_encode(contiguous.Handle, extension, out var buffer, out var length);
        NativeMethods.CheckForErrors();
        try
        {
            var bytes = new byte[length];
            Marshal.Copy(buffer, bytes, 0, checked((int)length));
            return bytes;
        }
        finally
        {
            NativeMethods.THSImage_free_buffer(buffer);
        }
    }

    /// <summary>Encodes by the file's extension and writes atomically (temp file, then rename).</summary>
    public static void Write(string path, Tensor image)
    {
        var bytes = Encode(image, Path.GetExtension(path));
        var temporary = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Resizes an (H, W[, C]) uint8/int16/float32 image.</summary>
    public static Tensor Resize(Tensor image, long height, long width, ImageInterpolation interpolation = ImageInterpolation.Bilinear) =>
        Tensor.Wrap(NativeMethods.THSImage_resize(image.Handle, height, width, (int)interpolation));
}
