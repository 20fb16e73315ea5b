using U2PL.Torch.PInvoke;

namespace U2PL.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>How a loss reduces over elements (as at::Reduction).</summary>
        public enum Reduction
        {
            None = 0,
            Mean = 1,
            Sum = 2,
        }

        /// <summary>Interpolation modes of <see cref="functional.interpolate"/>.</summary>
        public enum InterpolationMode
        {
            Nearest,
            Bilinear,
        }

        /// <summary>Stateless layers and losses, named as <c>torch.nn.functional</c>.</summary>
        public static class functional
        {
            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
                Tensor.Wrap(NativeMethods.THSNN_conv2d(input.Handle, weight.Handle, bias?.Handle ?? TensorHandle.Null,
                    [stride, stride], [padding, padding], [dilation, dilation], groups));

            /// <summary>Batch normalization; in training mode the running statistics are updated in place.</summary>
            public static Tensor batch_norm(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
                bool training = false, double momentum = 0.1, double eps = 1e-5) =>
                Tensor.Wrap(NativeMethods.THSNN_batch_norm(input.Handle, weight?.Handle ?? TensorHandle.Null, bias?.Handle ?? TensorHandle.Null,
                    runningMean?.Handle ?? TensorHandle.Null, runningVar?.Handle ?? TensorHandle.Null, training, momentum, eps));

            public static Tensor relu(Tensor input) => input.relu();

            public static Tensor max_pool2d(Tensor input, long kernelSize, long stride, long padding = 0, long dilation = 1, bool ceilMode = false) =>
                Tensor.Wrap(NativeMethods.THSNN_max_pool2d(input.Handle, [kernelSize, kernelSize], [stride, stride], [padding, padding],
                    [dilation, dilation], ceilMode));

            public static Tensor adaptive_avg_pool2d(Tensor input, long outputHeight, long outputWidth) =>
                Tensor.Wrap(NativeMethods.THSNN_adaptive_avg_pool2d(input.Handle, [outputHeight, outputWidth]));

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true) =>
                Tensor.Wrap(NativeMethods.THSNN_dropout(input.Handle, p, training));

            /// <summary>Zeroes whole channels of an (N, C, H, W) input with probability p (torch's dropout2d).</summary>
            public static Tensor dropout2d(Tensor input, double p = 0.5, bool training = true) =>
                Tensor.Wrap(NativeMethods.THSNN_feature_dropout(input.Handle, p, training));

            /// <summary>Resizes (N, C, H, W) to (N, C, height, width).</summary>
            public static Tensor interpolate(Tensor input, long height, long width, InterpolationMode mode = InterpolationMode.Bilinear, bool alignCorners = false) =>
                mode switch
                {
                    InterpolationMode.Bilinear => Tensor.Wrap(NativeMethods.THSNN_upsample_bilinear2d(input.Handle, height, width, alignCorners)),
                    InterpolationMode.Nearest => Tensor.Wrap(NativeMethods.THSNN_upsample_nearest2d(input.Handle, height, width)),
                    _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown interpolation mode"),
                };

            /// <summary>Cross-entropy over logits (N, C, ...) and class targets (N, ...).</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100,
                Reduction reduction = Reduction.Mean, double labelSmoothing = 0) =>
                Tensor.Wrap(NativeMethods.THSNN_cross_entropy(input.Handle, target.Handle, weight?.Handle ?? TensorHandle.Null,
                    (long)reduction, ignoreIndex, labelSmoothing));

            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, long ignoreIndex = -100, Reduction reduction = Reduction.Mean) =>
                Tensor.Wrap(NativeMethods.THSNN_nll_loss(input.Handle, target.Handle, weight?.Handle ?? TensorHandle.Null, (long)reduction, ignoreIndex));

            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean) =>
                Tensor.Wrap(NativeMethods.THSNN_binary_cross_entropy_with_logits(input.Handle, target.Handle, weight?.Handle ?? TensorHandle.Null, (long)reduction));

            public static Tensor softmax(Tensor input, long dim) => input.softmax(dim);

            public static Tensor log_softmax(Tensor input, long dim) => input.log_softmax(dim);

            /// <summary>input / max(‖input‖_p, eps) along <paramref name="dim"/>.</summary>
            public static Tensor normalize(Tensor input, double p = 2, long dim = 1, double eps = 1e-12) =>
                Tensor.Wrap(NativeMethods.THSTensor_normalize(input.Handle, p, dim, eps));

            public static Tensor cosine_similarity(Tensor x1, Tensor x2, long dim = 1, double eps = 1e-8) =>
                Tensor.Wrap(NativeMethods.THSTensor_cosine_similarity(x1.Handle, x2.Handle, dim, eps));

            public static Tensor one_hot(Tensor input, long numClasses = -1) => Tensor.Wrap(NativeMethods.THSTensor_one_hot(input.Handle, numClasses));

            /// <summary>Constant padding; <paramref name="pad"/> lists (before, after) pairs from the last dimension backwards.</summary>
            public static Tensor pad(Tensor input, long[] pad, double value = 0) =>
                Tensor.Wrap(NativeMethods.THSTensor_pad(input.Handle, pad, pad.Length, value));
        }
    }
}
