// Tensor creation, properties, conversion between dtypes/devices, and shape manipulation.
#include "u2pl_torch.h"

#include <cstring>

namespace {
at::TensorOptions options(int8_t dtype, int device_type, int device_index, bool requires_grad = false) {
    return at::TensorOptions()
        .dtype(static_cast<at::ScalarType>(dtype))
        .device(at::Device(static_cast<at::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index)))
        .requires_grad(requires_grad);
}
}  // namespace

// ---- creation ----

// One copy: from managed memory into a new CPU tensor's storage.
EXPORT_API Tensor THSTensor_from_data(const void* data, const int64_t* shape, int ndim, int8_t dtype) {
    CATCH_TENSOR(([&] {
        auto tensor = at::empty(u2pl::ints(shape, ndim), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
        if (tensor.nbytes() > 0) std::memcpy(tensor.data_ptr(), data, tensor.nbytes());
        return tensor;
    }()))
}

EXPORT_API Tensor THSTensor_empty(const int64_t* shape, int ndim, int8_t dtype, int device_type, int device_index, bool requires_grad) {
    CATCH_TENSOR(at::empty(u2pl::ints(shape, ndim), options(dtype, device_type, device_index, requires_grad)))
}

EXPORT_API Tensor THSTensor_zeros(const int64_t* shape, int ndim, int8_t dtype, int device_type, int device_index, bool requires_grad) {
    CATCH_TENSOR(at::zeros(u2pl::ints(shape, ndim), options(dtype, device_type, device_index, requires_grad)))
}

EXPORT_API Tensor THSTensor_ones(const int64_t* shape, int ndim, int8_t dtype, int device_type, int device_index, bool requires_grad) {
    CATCH_TENSOR(at::ones(u2pl::ints(shape, ndim), options(dtype, device_type, device_index, requires_grad)))
}

EXPORT_API Tensor THSTensor_full(const int64_t* shape, int ndim, double value, int8_t dtype, int device_type, int device_index, bool requires_grad) {
    CATCH_TENSOR(at::full(u2pl::ints(shape, ndim), value, options(dtype, device_type, device_index, requires_grad)))
}

EXPORT_API Tensor THSTensor_rand(const int64_t* shape, int ndim, int8_t dtype, int device_type, int device_index) {
    CATCH_TENSOR(at::rand(u2pl::ints(shape, ndim), options(dtype, device_type, device_index)))
}

EXPORT_API Tensor THSTensor_randn(const int64_t* shape, int ndim, int8_t dtype, int device_type, int device_index) {
    CATCH_TENSOR(at::randn(u2pl::ints(shape, ndim), options(dtype, device_type, device_index)))
}

EXPORT_API Tensor THSTensor_randint(int64_t low, int64_t high, const int64_t* shape, int ndim, int8_t dtype, int device_type, int device_index) {
    CATCH_TENSOR(at::randint(low, high, u2pl::ints(shape, ndim), options(dtype, device_type, device_index)))
}

EXPORT_API Tensor THSTensor_randperm(int64_t n, int8_t dtype, int device_type, int device_index) {
    CATCH_TENSOR(at::randperm(n, options(dtype, device_type, device_index)))
}

EXPORT_API Tensor THSTensor_arange(double start, double end, double step, int8_t dtype, int device_type, int device_index) {
    CATCH_TENSOR(at::arange(start, end, step, options(dtype, device_type, device_index)))
}

EXPORT_API Tensor THSTensor_zeros_like(Tensor tensor) { CATCH_TENSOR(at::zeros_like(*tensor)) }

EXPORT_API Tensor THSTensor_ones_like(Tensor tensor) { CATCH_TENSOR(at::ones_like(*tensor)) }

EXPORT_API Tensor THSTensor_one_hot(Tensor tensor, int64_t num_classes) { CATCH_TENSOR(at::one_hot(*tensor, num_classes)) }

// ---- in-place initialisation ----

EXPORT_API void THSTensor_uniform_(Tensor tensor, double from, double to) { CATCH(tensor->uniform_(from, to);) }

EXPORT_API void THSTensor_normal_(Tensor tensor, double mean, double std) { CATCH(tensor->normal_(mean, std);) }

EXPORT_API void THSTensor_fill_(Tensor tensor, double value) { CATCH(tensor->fill_(u2pl::scalar(*tensor, value));) }

EXPORT_API void THSTensor_zero_(Tensor tensor) { CATCH(tensor->zero_();) }

EXPORT_API void THSTensor_copy_(Tensor destination, Tensor source) { CATCH(destination->copy_(*source);) }

// ---- properties ----

EXPORT_API int64_t THSTensor_ndimension(Tensor tensor) { CATCH_RETURN(int64_t, -1, tensor->dim()) }

EXPORT_API void THSTensor_sizes(Tensor tensor, int64_t* sizes) {
    CATCH(for (int64_t i = 0; i < tensor->dim(); i++) sizes[i] = tensor->size(i);)
}

EXPORT_API int64_t THSTensor_size(Tensor tensor, int64_t dim) { CATCH_RETURN(int64_t, -1, tensor->size(dim)) }

EXPORT_API int64_t THSTensor_numel(Tensor tensor) { CATCH_RETURN(int64_t, -1, tensor->numel()) }

EXPORT_API int8_t THSTensor_type(Tensor tensor) { CATCH_RETURN(int8_t, -1, static_cast<int8_t>(tensor->scalar_type())) }

EXPORT_API int THSTensor_device_type(Tensor tensor) { CATCH_RETURN(int, -1, static_cast<int>(tensor->device().type())) }

EXPORT_API int THSTensor_device_index(Tensor tensor) { CATCH_RETURN(int, -1, static_cast<int>(tensor->device().index())) }

EXPORT_API bool THSTensor_is_contiguous(Tensor tensor) { CATCH_RETURN(bool, false, tensor->is_contiguous()) }

EXPORT_API bool THSTensor_defined(Tensor tensor) { CATCH_RETURN(bool, false, tensor->defined()) }

EXPORT_API void* THSTensor_data_ptr(Tensor tensor) { CATCH_RETURN(void*, nullptr, tensor->data_ptr()) }

EXPORT_API double THSTensor_item_double(Tensor tensor) { CATCH_RETURN(double, 0, tensor->item<double>()) }

EXPORT_API int64_t THSTensor_item_int64(Tensor tensor) { CATCH_RETURN(int64_t, 0, tensor->item<int64_t>()) }

EXPORT_API bool THSTensor_requires_grad(Tensor tensor) { CATCH_RETURN(bool, false, tensor->requires_grad()) }

EXPORT_API void THSTensor_set_requires_grad(Tensor tensor, bool requires_grad) { CATCH(tensor->set_requires_grad(requires_grad);) }

// Null (without an error) when the tensor has no gradient yet.
EXPORT_API Tensor THSTensor_grad(Tensor tensor) {
    Tensor result = nullptr;
    CATCH(const auto& grad = tensor->grad(); if (grad.defined()) result = u2pl::new_tensor(grad);)
    return result;
}

EXPORT_API void THSTensor_set_grad(Tensor tensor, Tensor grad) { CATCH(tensor->mutable_grad() = u2pl::optional(grad);) }

// ---- conversion ----

EXPORT_API Tensor THSTensor_to_type(Tensor tensor, int8_t dtype) { CATCH_TENSOR(tensor->to(static_cast<at::ScalarType>(dtype))) }

EXPORT_API Tensor THSTensor_to_device(Tensor tensor, int device_type, int device_index, bool non_blocking) {
    CATCH_TENSOR(tensor->to(at::Device(static_cast<at::DeviceType>(device_type), static_cast<c10::DeviceIndex>(device_index)), non_blocking))
}

EXPORT_API Tensor THSTensor_contiguous(Tensor tensor) { CATCH_TENSOR(tensor->contiguous()) }

EXPORT_API Tensor THSTensor_clone(Tensor tensor) { CATCH_TENSOR(tensor->clone()) }

EXPORT_API Tensor THSTensor_detach(Tensor tensor) { CATCH_TENSOR(tensor->detach()) }

EXPORT_API Tensor THSTensor_alias(Tensor tensor) { CATCH_TENSOR(*tensor) }

// ---- shape ----

EXPORT_API Tensor THSTensor_view(Tensor tensor, const int64_t* shape, int ndim) { CATCH_TENSOR(tensor->view(u2pl::ints(shape, ndim))) }

EXPORT_API Tensor THSTensor_reshape(Tensor tensor, const int64_t* shape, int ndim) { CATCH_TENSOR(tensor->reshape(u2pl::ints(shape, ndim))) }

EXPORT_API Tensor THSTensor_permute(Tensor tensor, const int64_t* dims, int ndim) { CATCH_TENSOR(tensor->permute(u2pl::ints(dims, ndim))) }

EXPORT_API Tensor THSTensor_transpose(Tensor tensor, int64_t dim0, int64_t dim1) { CATCH_TENSOR(tensor->transpose(dim0, dim1)) }

EXPORT_API Tensor THSTensor_flatten(Tensor tensor, int64_t start, int64_t end) { CATCH_TENSOR(tensor->flatten(start, end)) }

EXPORT_API Tensor THSTensor_unsqueeze(Tensor tensor, int64_t dim) { CATCH_TENSOR(tensor->unsqueeze(dim)) }

EXPORT_API Tensor THSTensor_squeeze(Tensor tensor, int64_t dim) { CATCH_TENSOR(tensor->squeeze(dim)) }

EXPORT_API Tensor THSTensor_expand(Tensor tensor, const int64_t* shape, int ndim) { CATCH_TENSOR(tensor->expand(u2pl::ints(shape, ndim))) }

EXPORT_API Tensor THSTensor_repeat(Tensor tensor, const int64_t* repeats, int ndim) { CATCH_TENSOR(tensor->repeat(u2pl::ints(repeats, ndim))) }

EXPORT_API Tensor THSTensor_narrow(Tensor tensor, int64_t dim, int64_t start, int64_t length) { CATCH_TENSOR(tensor->narrow(dim, start, length)) }

EXPORT_API Tensor THSTensor_select(Tensor tensor, int64_t dim, int64_t index) { CATCH_TENSOR(tensor->select(dim, index)) }

EXPORT_API Tensor THSTensor_flip(Tensor tensor, const int64_t* dims, int ndim) { CATCH_TENSOR(tensor->flip(u2pl::ints(dims, ndim))) }

EXPORT_API Tensor THSTensor_cat(const Tensor* tensors, int length, int64_t dim) { CATCH_TENSOR(at::cat(u2pl::tensor_list(tensors, length), dim)) }

EXPORT_API Tensor THSTensor_stack(const Tensor* tensors, int length, int64_t dim) { CATCH_TENSOR(at::stack(u2pl::tensor_list(tensors, length), dim)) }

EXPORT_API Tensor THSTensor_pad(Tensor tensor, const int64_t* pad, int length, double value) {
    CATCH_TENSOR(at::constant_pad_nd(*tensor, u2pl::ints(pad, length), value))
}

// As PyTorch's `param.data = value`: swaps the tensor's data (device/dtype move) keeping the same handle and autograd identity.
EXPORT_API void THSTensor_set_data(Tensor tensor, Tensor value) { CATCH(tensor->set_data(*value);) }
