using TorchSharp;
using static TorchSharp.torch;
namespace U2PL.Segmentation.Serialization;

/// <summary>The dtype strings of the safetensors header and their <see cref="ScalarType"/> counterparts.</summary>
public static class SafeTensorsDType
{
    // Dtypes the safetensors spec defines but libtorch (and ScalarType) here cannot hold.
    private static readonly HashSet<string> s_knownUnsupported = new(StringComparer.Ordinal)
    {
        "U16", "U32", "U64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F4", "F6_E2M3", "F6_E3M2", "C64",
    };

    /// <summary>The header string for <paramref name="type"/>, e.g. <c>F32</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The type has no safetensors name.</exception>
    public static string ToName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "no safetensors dtype for this scalar type"),
    };

    /// <summary>Parses a header dtype string; false for one this project does not support.</summary>
    public static bool TryParse(string name, out ScalarType type)
    {
        (var ok, type) = name switch
        {
            "F32" => (true, ScalarType.Float32),
            "F16" => (true, ScalarType.Float16),
            "BF16" => (true, ScalarType.BFloat16),
            "F64" => (true, ScalarType.Float64),
            "I64" => (true, ScalarType.Int64),
            "I32" => (true, ScalarType.Int32),
            "I16" => (true, ScalarType.Int16),
            "I8" => (true, ScalarType.Int8),
            "U8" => (true, ScalarType.Byte),
            "BOOL" => (true, ScalarType.Bool),
            _ => (false, default(ScalarType)),
        };
        return ok;
    }

    /// <summary>True for a dtype the safetensors spec defines that <see cref="TryParse"/> rejects.</summary>
    internal static bool IsKnownButUnsupported(string name) => s_knownUnsupported.Contains(name);
}
