using System.Reflection;
using System.Runtime.InteropServices;

namespace U2PL.Torch.PInvoke;

/// <summary>
/// The imports of the native shim (libu2pl_torch.so, built from Torch/native). Every call is followed by
/// <see cref="CheckForErrors"/>: the shim catches C++ exceptions and leaves their message in a per-thread slot.
/// </summary>
internal static partial class NativeMethods
{
    internal const string LibraryName = "u2pl_torch";

    /// <summary>Environment variable naming the folder (or file) of the native shim, overriding the app folder.</summary>
    internal const string NativePathVariable = "U2PL_TORCH_NATIVE";

    static NativeMethods() => NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);

    internal static void CheckForErrors()
    {
        var error = THSTorch_get_and_reset_last_err();
        if (error != IntPtr.Zero)
        {
            throw new TorchException(Marshal.PtrToStringUTF8(error) ?? "unknown native error");
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibraryName)
        {
            return IntPtr.Zero;
        }

        var candidates = new List<string>();
        var overridePath = Environment.GetEnvironmentVariable(NativePathVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            candidates.Add(Directory.Exists(overridePath) ? Path.Combine(overridePath, "libu2pl_torch.so") : overridePath);
        }
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "libu2pl_torch.so"));
        candidates.Add(Path.Combine(Path.GetDirectoryName(assembly.Location) ?? AppContext.BaseDirectory, "libu2pl_torch.so"));

        var failures = new List<string>();
        foreach (var path in candidates.Distinct())
        {
            if (!File.Exists(path))
            {
                failures.Add($"{path}: not found");
                continue;
            }
            try
            {
                return NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                // The loader's message names the missing dependency (a libtorch_cpu.so that is not installed, say).
                failures.Add($"{path}: {e.Message}");
            }
        }
        throw new DllNotFoundException(
            "The native libtorch shim libu2pl_torch.so could not be loaded. Build it with ./build.sh (it needs libtorch-dev " +
            $"and libopencv-dev), or point {NativePathVariable} at it; check its dependencies with ldd. Tried: " +
            string.Join("; ", failures));
    }
}
