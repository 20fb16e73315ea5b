// Functional neural-network layers: convolution, batch norm, pooling, dropout, interpolation.
#include "u2pl_torch.h"

EXPORT_API Tensor THSNN_conv2d(Tensor input, Tensor weight, Tensor bias,
                               const int64_t* stride, const int64_t* padding, const int64_t* dilation, int64_t groups) {
    CATCH_TENSOR(at::conv2d(*input, *weight, u2pl::optional(bias), u2pl::ints(stride, 2), u2pl::ints(padding, 2),
                            u2pl::ints(dilation, 2), groups))
}

// In training mode updates running_mean/running_var in place (momentum as PyTorch: new = (1-m)*old + m*batch).
EXPORT_API Tensor THSNN_batch_norm(Tensor input, Tensor weight, Tensor bias, Tensor running_mean, Tensor running_var,
                                   bool training, double momentum, double eps) {
    CATCH_TENSOR(at::batch_norm(*input, u2pl::optional(weight), u2pl::optional(bias), u2pl::optional(running_mean),
                                u2pl::optional(running_var), training, momentum, eps, at::globalContext().userEnabledCuDNN()))
}

EXPORT_API Tensor THSNN_max_pool2d(Tensor input, const int64_t* kernel, const int64_t* stride, const int64_t* padding,
                                   const int64_t* dilation, bool ceil_mode) {
    CATCH_TENSOR(at::max_pool2d(*input, u2pl::ints(kernel, 2), u2pl::ints(stride, 2), u2pl::ints(padding, 2),
                                u2pl::ints(dilation, 2), ceil_mode))
}

EXPORT_API Tensor THSNN_adaptive_avg_pool2d(Tensor input, const int64_t* output_size) {
    CATCH_TENSOR(at::adaptive_avg_pool2d(*input, u2pl::ints(output_size, 2)))
}

EXPORT_API Tensor THSNN_dropout(Tensor input, double p, bool training) { CATCH_TENSOR(at::dropout(*input, p, training)) }

// Dropout2d: zeroes whole channels, as torch.nn.Dropout2d on (N, C, H, W).
EXPORT_API Tensor THSNN_feature_dropout(Tensor input, double p, bool training) { CATCH_TENSOR(at::feature_dropout(*input, p, training)) }

EXPORT_API Tensor THSNN_upsample_bilinear2d(Tensor input, int64_t height, int64_t width, bool align_corners) {
    CATCH_TENSOR(at::upsample_bilinear2d(*input, {height, width}, align_corners))
}

EXPORT_API Tensor THSNN_upsample_nearest2d(Tensor input, int64_t height, int64_t width) {
    CATCH_TENSOR(at::upsample_nearest2d(*input, {height, width}))
}
