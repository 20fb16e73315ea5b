using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>
/// The stream a <see cref="TensorSource"/> writes into: forward-only, refusing to write past the tensor's byte length,
/// so that a faulty producer cannot corrupt the next tensor's offsets.
/// </summary>
internal sealed class BoundedWriteStream(Stream inner, string tensorName, long limit) : Stream
{
    /// <summary>Bytes written so far.</summary>
    public long Written { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => Written; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Written + buffer.Length > limit)
            throw new InvalidOperationException($"tensor '{tensorName}': data exceeds its {limit} bytes");
        inner.Write(buffer);
        Written += buffer.Length;
    }

    public override void WriteByte(byte value) => Write([value]);
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
