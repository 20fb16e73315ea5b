// Loss functions. Reduction codes follow at::Reduction: 0 none, 1 mean, 2 sum.
#include "u2pl_torch.h"

EXPORT_API Tensor THSNN_cross_entropy(Tensor input, Tensor target, Tensor weight, int64_t reduction, int64_t ignore_index, double label_smoothing) {
    CATCH_TENSOR(at::cross_entropy_loss(*input, *target, u2pl::optional(weight), reduction, ignore_index, label_smoothing))
}

EXPORT_API Tensor THSNN_nll_loss(Tensor input, Tensor target, Tensor weight, int64_t reduction, int64_t ignore_index) {
    CATCH_TENSOR(at::nll_loss_nd(*input, *target, u2pl::optional(weight), reduction, ignore_index))
}

EXPORT_API Tensor THSNN_binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor weight, int64_t reduction) {
    CATCH_TENSOR(at::binary_cross_entropy_with_logits(*input, *target, u2pl::optional(weight), {}, reduction))
}
