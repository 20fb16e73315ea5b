using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>Moves tensors between weight files and libtorch: read straight into native memory, write straight from it.</summary>
public static class TensorFileTensors
{
    /// <summary>Reads one entry into a new CPU tensor (one copy: file to native memory).</summary>
    public static Tensor ReadTensor(this ITensorFileReader reader, string name)
    {
        var entry = reader.Find(name) ?? throw new KeyNotFoundException($"{reader.FilePath}: no tensor named '{name}'");
        var tensor = torch.empty(entry.Shape.ToArray(), entry.DType);
        try
        {
            reader.ReadInto(name, tensor.bytes);
            return tensor;
        }
        catch
        {
            tensor.Dispose();
            throw;
        }
    }

    /// <summary>A source that streams the tensor's bytes when the writer reaches it (moved to a contiguous CPU copy first).</summary>
    public static TensorSource ToSource(string name, Tensor tensor) =>
        TensorSource.FromWriter(name, tensor.dtype, tensor.shape, stream =>
        {
            using var local = tensor.device_type == DeviceType.CPU ? tensor.contiguous() : tensor.cpu().contiguous();
            stream.Write(local.bytes);
        });
}
