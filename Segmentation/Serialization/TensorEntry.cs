using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>
/// One tensor in a weight file: its name, element type and shape. Its bytes are contiguous, row-major and
/// little-endian, <see cref="ByteLength"/> long.
/// </summary>
public sealed class TensorEntry
{
    /// <summary>Creates an entry; computes the element count and byte length with overflow checks.</summary>
    /// <exception cref="ArgumentException">A dimension is negative or the size overflows.</exception>
    public TensorEntry(string name, ScalarType dtype, IReadOnlyList<long> shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        DType = dtype;
        Shape = shape.ToArray();
        ElementCount = TensorShape.ElementCount(Shape)
            ?? throw new ArgumentException($"tensor '{name}': invalid shape [{string.Join(", ", Shape)}]", nameof(shape));
        ByteLength = TensorShape.ByteLength(ElementCount, dtype)
            ?? throw new ArgumentException($"tensor '{name}': byte length overflows", nameof(shape));
    }

    /// <summary>The tensor's name, e.g. <c>backbone.conv1.weight</c>.</summary>
    public string Name { get; }

    /// <summary>The element type.</summary>
    public ScalarType DType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>The number of elements (the product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount { get; }

    /// <summary>The number of bytes of the contiguous data.</summary>
    public long ByteLength { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {DType} [{string.Join(", ", Shape)}]";
}
