using TorchSharp;
using static TorchSharp.torch;
using U2PL.Segmentation;
using U2PL.Segmentation.Data.Images;
using U2PL.Segmentation.Training;

namespace U2PL.Segmentation.Tests.TorchOps;

public class TensorBehaviourTests
{
    [Fact]
    public void A_libtorch_error_becomes_an_exception_with_libtorchs_message_and_the_process_survives()
    {
        // TorchSharp 0.107.0's matmul lets a shape error escape as a C++ exception, which aborts the process; the ops
        // the product calls on user data (add, view, cat, ...) report it; its matmuls take shapes it builds itself.
        using var a = torch.zeros([2, 3]);
        using var b = torch.zeros([4, 5]);
        var error = Assert.Throws<System.Runtime.InteropServices.ExternalException>(() => a.add(b));
        Assert.Contains("size of tensor a (3) must match the size of tensor b (5)", error.Message);
        Assert.Throws<System.Runtime.InteropServices.ExternalException>(() => a.view(4, 4));
        using var ok = a.add(1);
        Assert.Equal(6.0, ok.sum().ToDouble());
    }

    [Fact]
    public void Data_round_trips_through_arrays_and_spans_share_native_memory()
    {
        using var t = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        Assert.Equal([2L, 3L], t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        t.AsSpan<float>()[4] = 50;
        Assert.Equal(new float[] { 1, 2, 3, 4, 50, 6 }, t.ToArray<float>());
        using var transposed = t.transpose(0, 1);
        Assert.Equal(new float[] { 1, 4, 2, 50, 3, 6 }, transposed.ToArray<float>());
        Assert.Throws<InvalidOperationException>(() => transposed.AsSpan<float>());
        Assert.Throws<InvalidOperationException>(() => t.AsSpan<long>());
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    public void Every_product_dtype_converts_and_reports_itself(ScalarType type)
    {
        using var source = torch.tensor(new float[] { 0, 1, 2, 3 });
        using var converted = source.to(type);
        Assert.Equal(type, converted.dtype);
        using var back = converted.to(ScalarType.Float32);
        var expected = type == ScalarType.Bool ? new float[] { 0, 1, 1, 1 } : new float[] { 0, 1, 2, 3 };
        Assert.Equal(expected, back.ToArray<float>());
    }

    [Fact]
    public void A_dispose_scope_frees_every_temporary_except_what_is_moved_out()
    {
        var before = LiveTensors.Baseline();
        Tensor kept;
        using (var scope = torch.NewDisposeScope())
        {
            var x = torch.ones([3]);
            var y = x.mul(2).add(1);
            kept = y.sum().MoveToOuterDisposeScope();
            Assert.True(scope.DisposablesCount >= 3);
        }
        Assert.Equal(9.0, kept.ToDouble());
        Assert.Equal(before + 1, torch.Tensor.TotalCount);
        kept.Dispose();
        Assert.Equal(before, torch.Tensor.TotalCount);
        Assert.ThrowsAny<InvalidOperationException>(() => kept.ToDouble());
    }

    [Fact]
    public void No_grad_holds_on_this_thread_only_and_restores_the_previous_mode()
    {
        using var w = torch.ones([2]).requires_grad_();
        using (torch.no_grad())
        {
            using var inside = w.mul(3);
            Assert.False(inside.requires_grad);
            var other = false;
            var thread = new Thread(() =>
            {
                using var onOtherThread = w.mul(3);
                other = onOtherThread.requires_grad;
            });
            thread.Start();
            thread.Join();
            Assert.True(other, "grad mode leaked to another thread");
        }
        using var after = w.mul(3);
        Assert.True(after.requires_grad, "grad mode not restored");
    }

    [Fact]
    public void Backward_accumulates_gradients()
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.tensor(new float[] { 1, 2, 3 }).requires_grad_();
        w.pow(2).sum().backward();
        Assert.Equal(new float[] { 2, 4, 6 }, w.grad!.ToArray<float>());
        w.grad = null;
        Assert.Null(w.grad);
    }

    [Fact]
    public void Cuda_is_reported_unavailable_with_a_clear_error_on_a_cpu_build()
    {
        if (torch.cuda.is_available())
        {
            Assert.Equal(DeviceType.CUDA, TrainingDevice.Resolve("cuda").type);
            return;
        }
        var error = Assert.Throws<DeviceUnavailableException>(() => TrainingDevice.Resolve("cuda"));
        Assert.Contains("CUDA is not available", error.Message);
        Assert.Contains("TorchBackend=cuda", error.Message);
        Assert.Throws<DeviceUnavailableException>(() => TrainingDevice.Resolve("cuda:1"));
    }

    [Fact]
    public void Device_names_parse_and_bad_ones_are_rejected()
    {
        Assert.Equal(DeviceType.CPU, TrainingDevice.Resolve("cpu").type);
        Assert.Equal((DeviceType.CUDA, 1), TrainingDevice.Parse("cuda:1", out _));
        Assert.Equal((DeviceType.CUDA, 0), TrainingDevice.Parse("CUDA", out _));
        Assert.Null(TrainingDevice.Parse("tpu", out var problem));
        Assert.Contains("'tpu' is not a device", problem);
        Assert.Throws<ArgumentException>(() => TrainingDevice.Resolve("cuda:x"));
    }

    [Fact]
    public void Thread_count_is_set_and_read_back()
    {
        var previous = torch.get_num_threads();
        torch.set_num_threads(1);
        Assert.Equal(1, torch.get_num_threads());
        torch.set_num_threads(previous);
    }

    [Fact]
    public void Rng_state_restores_the_random_stream()
    {
        torch.manual_seed(7);
        using var state = torch.get_rng_state();
        using var first = torch.rand([5]);
        torch.set_rng_state(state);
        using var again = torch.rand([5]);
        Assert.Equal(first.ToArray<float>(), again.ToArray<float>());
    }

    [Fact]
    public void Boolean_mask_indexing_selects_rows()
    {
        using var scope = torch.NewDisposeScope();
        var rows = torch.arange(0, 12, 1, ScalarType.Float32).view(4, 3);
        var mask = torch.tensor(new[] { true, false, true, false });
        Assert.Equal(new float[] { 0, 1, 2, 6, 7, 8 }, rows.index(mask).ToArray<float>());
        Assert.Equal(new float[] { 3, 4, 5 }, rows.index_select(0, torch.tensor(new long[] { 1 })).ToArray<float>());
    }

    [Fact]
    public void Png_encode_decode_round_trips_and_resize_keeps_mask_values()
    {
        using var scope = torch.NewDisposeScope();
        var image = torch.randint(0, 256, [6, 7, 3], ScalarType.Byte);
        var decoded = ImageCodec.Decode(ImageCodec.Encode(image));
        Assert.Equal(image.ToArray<byte>(), decoded.ToArray<byte>());
        var mask = torch.tensor(new byte[] { 0, 0, 255, 255, 3, 3, 255, 255 }, 2, 4);
        var resized = ImageCodec.Resize(mask, 4, 8, ImageInterpolation.Nearest);
        Assert.Equal([4L, 8L], resized.shape);
        Assert.All(resized.ToArray<byte>(), value => Assert.Contains(value, new byte[] { 0, 3, 255 }));
    }

    [Fact]
    public void A_corrupt_image_file_is_an_error_naming_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3, 4, 5]);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => ImageCodec.Read(path));
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
