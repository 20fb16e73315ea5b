// Selecting and scattering elements: masks, index tensors, gather/scatter.
#include "u2pl_torch.h"

#include <ATen/TensorIndexing.h>

EXPORT_API Tensor THSTensor_index_select(Tensor a, int64_t dim, Tensor index) { CATCH_TENSOR(at::index_select(*a, dim, *index)) }
EXPORT_API Tensor THSTensor_masked_select(Tensor a, Tensor mask) { CATCH_TENSOR(at::masked_select(*a, *mask)) }
EXPORT_API Tensor THSTensor_masked_fill(Tensor a, Tensor mask, double value) { CATCH_TENSOR(at::masked_fill(*a, *mask, u2pl::scalar(*a, value))) }
EXPORT_API void THSTensor_masked_fill_(Tensor a, Tensor mask, double value) { CATCH(a->masked_fill_(*mask, u2pl::scalar(*a, value));) }
EXPORT_API Tensor THSTensor_gather(Tensor a, int64_t dim, Tensor index) { CATCH_TENSOR(at::gather(*a, dim, *index)) }
EXPORT_API Tensor THSTensor_scatter(Tensor a, int64_t dim, Tensor index, Tensor source) { CATCH_TENSOR(at::scatter(*a, dim, *index, *source)) }
EXPORT_API Tensor THSTensor_nonzero(Tensor a) { CATCH_TENSOR(at::nonzero(*a)) }

// a[mask] for a boolean mask over the leading dims (rows of a 2-D tensor whose mask is 1-D, say).
EXPORT_API Tensor THSTensor_index_bool(Tensor a, Tensor mask) {
    CATCH_TENSOR(a->index({*mask}))
}

// a[index] = values along dim 0 (in place), as index_put_ with a single index tensor.
EXPORT_API void THSTensor_index_put_(Tensor a, Tensor index, Tensor values) {
    CATCH(a->index_put_({*index}, *values);)
}

EXPORT_API void THSTensor_index_copy_(Tensor a, int64_t dim, Tensor index, Tensor source) {
    CATCH(a->index_copy_(dim, *index, *source);)
}
