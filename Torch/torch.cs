using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

/// <summary>
/// The entry point, named as PyTorch's <c>torch</c> module on purpose so that a PyTorch user reads the code without
/// a manual: <c>torch.zeros(...)</c>, <c>torch.no_grad()</c>, <c>torch.nn.functional.conv2d(...)</c>.
/// </summary>
public static partial class torch
{
    /// <summary>Sets libtorch's intra-op thread count (libtorch defaults to 1 on small machines: set it explicitly).</summary>
    public static void set_num_threads(int threads)
    {
        if (threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "thread count must be at least 1");
        }
        NativeMethods.THSTorch_set_num_threads(threads);
        NativeMethods.CheckForErrors();
    }

    /// <summary>The intra-op thread count.</summary>
    public static int get_num_threads()
    {
        var result = NativeMethods.THSTorch_get_num_threads();
        NativeMethods.CheckForErrors();
        return result;
    }

    /// <summary>Seeds the default generators (CPU and every CUDA device).</summary>
    public static void manual_seed(long seed)
    {
        NativeMethods.THSTorch_manual_seed(seed);
        NativeMethods.CheckForErrors();
    }

    /// <summary>The CPU generator's state, as a byte tensor (to checkpoint and restore random streams).</summary>
    public static Tensor get_rng_state() => Tensor.Wrap(NativeMethods.THSTorch_get_rng_state());

    /// <summary>Restores the CPU generator's state saved by <see cref="get_rng_state"/>.</summary>
    public static void set_rng_state(Tensor state)
    {
        NativeMethods.THSTorch_set_rng_state(state.Handle);
        NativeMethods.CheckForErrors();
    }

    /// <summary>Opens a dispose scope on this thread; tensors created until it is disposed are disposed with it.</summary>
    public static DisposeScope NewDisposeScope() => new();

    /// <summary>Native tensor handles alive in this process (all threads): a leak shows as growth.</summary>
    public static long LiveTensorCount => NativeMethods.THSTorch_live_tensor_count();

    /// <summary>Returns memory that glibc keeps after frees to the system, so that resident memory stays flat.</summary>
    public static void ReleaseFreedMemory() => NativeMethods.THSTorch_malloc_trim();

    /// <summary>The libtorch version the shim was built against, as "major.minor".</summary>
    public static string LibTorchVersion => $"{NativeMethods.THSTorch_version_major()}.{NativeMethods.THSTorch_version_minor()}";

    /// <summary>Throws a clear error when <paramref name="device"/> cannot be used by this libtorch build.</summary>
    public static void EnsureAvailable(Device device)
    {
        if (device.Type == DeviceType.CUDA && !cuda.is_available())
        {
            throw new TorchException(
                $"CUDA not available: cannot use device '{device}' (libtorch {LibTorchVersion} was built without CUDA " +
                "or no GPU is visible); use device 'cpu' or build the shim against a CUDA libtorch (Torch_DIR)");
        }
        if (device.Type == DeviceType.CUDA && device.Index >= cuda.device_count())
        {
            throw new TorchException($"CUDA device {device.Index} does not exist: {cuda.device_count()} visible");
        }
    }

    /// <summary>CUDA queries.</summary>
    public static class cuda
    {
        /// <summary>True when libtorch has CUDA and at least one device is visible.</summary>
        public static bool is_available() => NativeMethods.THSTorch_cuda_is_available() != 0 && device_count() > 0;

        /// <summary>Visible CUDA devices.</summary>
        public static int device_count() => NativeMethods.THSTorch_cuda_device_count();
    }
}
