using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>A storage record of a checkpoint (<c>&lt;archive&gt;/data/&lt;key&gt;</c>): its element type and size.</summary>
internal sealed record TorchStorage(string Key, ScalarType DType, long ElementCount);

/// <summary>
/// A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a strided view of a storage, in elements.
/// </summary>
internal sealed record TorchTensorView(TorchStorage Storage, long StorageOffset, long[] Size, long[] Stride)
{
    /// <summary>True when the view is the contiguous row-major run starting at <see cref="StorageOffset"/>.</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (var i = Size.Length - 1; i >= 0; i--)
            {
                if (Size[i] == 0)
                    return true;
                if (Size[i] != 1 && Stride[i] != expected)
                    return false;
                expected *= Size[i];
            }
            return true;
        }
    }

    /// <summary>The highest storage element the view touches, plus one, relative to <see cref="StorageOffset"/>; 0 when empty.</summary>
    public long Extent
    {
        get
        {
            if (Size.Any(s => s == 0))
                return 0;
            long last = 0;
            for (var i = 0; i < Size.Length; i++)
                last = checked(last + (Size[i] - 1) * Stride[i]);
            return last + 1;
        }
    }
}
