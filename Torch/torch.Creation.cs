using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public static partial class torch
{
    /// <summary>A CPU tensor holding a copy of <paramref name="data"/> with the given shape (one copy).</summary>
    public static unsafe Tensor tensor<T>(ReadOnlySpan<T> data, params long[] shape) where T : unmanaged
    {
        var count = 1L;
        foreach (var size in shape)
        {
            count *= size;
        }
        if (count != data.Length)
        {
            throw new ArgumentException($"shape [{string.Join(", ", shape)}] holds {count} elements but {data.Length} were given");
        }
        fixed (T* pointer = data)
        {
            return Tensor.Wrap(NativeMethods.THSTensor_from_data(pointer, shape, shape.Length, (sbyte)ElementTypes.Of<T>()));
        }
    }

    /// <summary>A 1-D CPU tensor holding a copy of <paramref name="data"/>.</summary>
    public static Tensor tensor<T>(T[] data) where T : unmanaged => tensor<T>(data, data.LongLength);

    /// <summary>A CPU tensor holding a copy of <paramref name="data"/> with the given shape.</summary>
    public static Tensor tensor<T>(T[] data, params long[] shape) where T : unmanaged => tensor((ReadOnlySpan<T>)data, shape);

    /// <summary>A scalar (0-d) tensor.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = ScalarType.Float32) =>
        full([], value, dtype);

    public static Tensor empty(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false) =>
        Create(NativeMethods.THSTensor_empty, shape, dtype, device, requiresGrad);

    public static Tensor zeros(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false) =>
        Create(NativeMethods.THSTensor_zeros, shape, dtype, device, requiresGrad);

    public static Tensor ones(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false) =>
        Create(NativeMethods.THSTensor_ones, shape, dtype, device, requiresGrad);

    public static Tensor full(long[] shape, double value, ScalarType dtype = ScalarType.Float32, Device? device = null, bool requiresGrad = false)
    {
        var target = Resolve(device);
        return Tensor.Wrap(NativeMethods.THSTensor_full(shape, shape.Length, value, (sbyte)dtype, (int)target.Type, target.Index, requiresGrad));
    }

    public static Tensor rand(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var target = Resolve(device);
        return Tensor.Wrap(NativeMethods.THSTensor_rand(shape, shape.Length, (sbyte)dtype, (int)target.Type, target.Index));
    }

    public static Tensor randn(long[] shape, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        var target = Resolve(device);
        return Tensor.Wrap(NativeMethods.THSTensor_randn(shape, shape.Length, (sbyte)dtype, (int)target.Type, target.Index));
    }

    /// <summary>Integers drawn uniformly from [low, high).</summary>
    public static Tensor randint(long low, long high, long[] shape, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var target = Resolve(device);
        return Tensor.Wrap(NativeMethods.THSTensor_randint(low, high, shape, shape.Length, (sbyte)dtype, (int)target.Type, target.Index));
    }

    /// <summary>A random permutation of 0..n-1.</summary>
    public static Tensor randperm(long n, Device? device = null)
    {
        var target = Resolve(device);
        return Tensor.Wrap(NativeMethods.THSTensor_randperm(n, (sbyte)ScalarType.Int64, (int)target.Type, target.Index));
    }

    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = ScalarType.Int64, Device? device = null)
    {
        var target = Resolve(device);
        return Tensor.Wrap(NativeMethods.THSTensor_arange(start, end, step, (sbyte)dtype, (int)target.Type, target.Index));
    }

    public static Tensor arange(long end, ScalarType dtype = ScalarType.Int64, Device? device = null) => arange(0, end, 1, dtype, device);

    public static Tensor zeros_like(Tensor other) => Tensor.Wrap(NativeMethods.THSTensor_zeros_like(other.Handle));

    public static Tensor ones_like(Tensor other) => Tensor.Wrap(NativeMethods.THSTensor_ones_like(other.Handle));

    /// <summary>Concatenates along an existing dimension.</summary>
    public static Tensor cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(NativeMethods.THSTensor_cat, tensors, dim);

    /// <summary>Stacks along a new dimension.</summary>
    public static Tensor stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(NativeMethods.THSTensor_stack, tensors, dim);

    /// <summary>Elements of <paramref name="a"/> where <paramref name="condition"/> holds, else of <paramref name="b"/>.</summary>
    public static Tensor where(Tensor condition, Tensor a, Tensor b) =>
        Tensor.Wrap(NativeMethods.THSTensor_where(condition.Handle, a.Handle, b.Handle));

    private delegate IntPtr Creator(long[] shape, int ndim, sbyte dtype, int deviceType, int deviceIndex, bool requiresGrad);

    private static Tensor Create(Creator creator, long[] shape, ScalarType dtype, Device? device, bool requiresGrad)
    {
        var target = Resolve(device);
        return Tensor.Wrap(creator(shape, shape.Length, (sbyte)dtype, (int)target.Type, target.Index, requiresGrad));
    }

    private static Device Resolve(Device? device)
    {
        var target = device ?? Device.CPU;
        if (target.Type != DeviceType.CPU)
        {
            EnsureAvailable(target);
        }
        return target;
    }

    private static Tensor Join(Func<IntPtr[], int, long, IntPtr> join, IReadOnlyList<Tensor> tensors, long dim)
    {
        var handles = new IntPtr[tensors.Count];
        for (var i = 0; i < handles.Length; i++)
        {
            handles[i] = tensors[i].Handle.DangerousGetHandle();
        }
        var result = join(handles, handles.Length, dim);
        GC.KeepAlive(tensors);
        return Tensor.Wrap(result);
    }
}
