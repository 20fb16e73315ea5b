using TorchSharp;
using static TorchSharp.torch;
using System.Buffers.Binary;
using U2PL.Segmentation.Serialization;

namespace U2PL.Segmentation.Tests.Serialization;

/// <summary>One small tensor of every dtype, with its values, for writer tests.</summary>
internal static class SampleTensors
{
    public sealed record Sample(string Name, ScalarType DType, long[] Shape, byte[] Bytes, object[] Values);

    public static IReadOnlyList<Sample> AllDTypes() =>
    [
        Make("f32", ScalarType.Float32, [2, 3], [-0.75, 0.1f, 3.4e38f, -0.0f, 1e-45f, 42]),
        Make("f16", ScalarType.Float16, [3], [0.0999755859375, -2.5, 65504]),
        Make("bf16", ScalarType.BFloat16, [2, 2], [0.10009765625, 3, -9999220736, 1.5]),
        Make("f64", ScalarType.Float64, [2], [1.0 / 3.0, -2e-300]),
        Make("i64", ScalarType.Int64, [3], [long.MinValue, 7L, long.MaxValue]),
        Make("i32", ScalarType.Int32, [1, 2], [int.MinValue, int.MaxValue]),
        Make("i16", ScalarType.Int16, [2], [-32768L, 32767L]),
        Make("i8", ScalarType.Int8, [3], [-128L, 0L, 127L]),
        Make("u8", ScalarType.Byte, [3], [0L, 200L, 255L]),
        Make("mask", ScalarType.Bool, [2, 2], [true, false, false, true]),
        Make("scalar", ScalarType.Float32, [], [2.5]),
        Make("empty", ScalarType.Float32, [0, 3], []),
    ];

    public static TensorSource ToSource(Sample s) => TensorSource.FromBytes(s.Name, s.DType, s.Shape, s.Bytes);

    private static Sample Make(string name, ScalarType dtype, long[] shape, object[] values)
    {
        var size = dtype.ElementSize();
        var bytes = new byte[values.Length * size];
        var decoded = new object[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var span = bytes.AsSpan(i * size, size);
            var v = values[i];
            switch (dtype)
            {
                case ScalarType.Float32: BinaryPrimitives.WriteSingleLittleEndian(span, Convert.ToSingle(v)); break;
                case ScalarType.Float64: BinaryPrimitives.WriteDoubleLittleEndian(span, Convert.ToDouble(v)); break;
                case ScalarType.Float16: BinaryPrimitives.WriteHalfLittleEndian(span, (Half)Convert.ToDouble(v)); break;
                case ScalarType.BFloat16:
                    BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)(BitConverter.SingleToInt32Bits(Convert.ToSingle(v)) >>> 16));
                    break;
                case ScalarType.Int64: BinaryPrimitives.WriteInt64LittleEndian(span, Convert.ToInt64(v)); break;
                case ScalarType.Int32: BinaryPrimitives.WriteInt32LittleEndian(span, Convert.ToInt32(v)); break;
                case ScalarType.Int16: BinaryPrimitives.WriteInt16LittleEndian(span, Convert.ToInt16(v)); break;
                case ScalarType.Int8: span[0] = (byte)Convert.ToSByte(v); break;
                case ScalarType.Byte: span[0] = Convert.ToByte(v); break;
                case ScalarType.Bool: span[0] = (bool)v ? (byte)1 : (byte)0; break;
            }
            decoded[i] = Fixtures.Decode(dtype, span)[0];
        }
        return new Sample(name, dtype, shape, bytes, decoded);
    }
}
