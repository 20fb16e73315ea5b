using System.Runtime.CompilerServices;
using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

/// <summary>
/// A libtorch tensor. The native memory is owned by this object and freed by <see cref="Dispose"/> (or by the dispose
/// scope that was open when it was created); the garbage collector is only a safety net, it does not see native memory.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private TensorHandle? _handle;

    internal Tensor(IntPtr handle)
    {
        _handle = new TensorHandle(handle);
        OwningScope = DisposeScope.Current;
        OwningScope?.Add(this);
    }

    internal DisposeScope? OwningScope { get; set; }

    internal TensorHandle Handle => _handle ?? throw new ObjectDisposedException(nameof(Tensor), "the tensor has been disposed");

    /// <summary>True once the native tensor has been released.</summary>
    public bool IsDisposed => _handle is null;

    /// <summary>Wraps a handle returned by the shim, after surfacing any native error.</summary>
    internal static Tensor Wrap(IntPtr handle)
    {
        NativeMethods.CheckForErrors();
        return new Tensor(handle);
    }

    /// <summary>Wraps a handle that may legitimately be null (an absent gradient).</summary>
    internal static Tensor? WrapOptional(IntPtr handle)
    {
        NativeMethods.CheckForErrors();
        return handle == IntPtr.Zero ? null : new Tensor(handle);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check() => NativeMethods.CheckForErrors();

    /// <summary>Frees the native tensor now.</summary>
    public void Dispose()
    {
        if (_handle is null)
        {
            return;
        }
        OwningScope?.Remove(this);
        OwningScope = null;
        _handle.Dispose();
        _handle = null;
    }

    /// <summary>Moves this tensor to the dispose scope around the current one (or out of all scopes).</summary>
    public Tensor MoveToOuterDisposeScope() => OwningScope is { } scope ? scope.MoveToOuter(this) : this;

    /// <summary>Takes this tensor out of its dispose scope: the caller owns it.</summary>
    public Tensor DetachFromDisposeScope() => OwningScope is { } scope ? scope.Detach(this) : this;

    /// <inheritdoc />
    public override string ToString() =>
        IsDisposed ? "Tensor(disposed)" : $"Tensor(shape=[{string.Join(", ", shape)}], dtype={dtype}, device={device})";
}
