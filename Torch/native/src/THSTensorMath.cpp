// Elementwise arithmetic, comparisons, reductions, sorting and linear algebra.
#include "u2pl_torch.h"

// ---- binary and scalar arithmetic ----

EXPORT_API Tensor THSTensor_add(Tensor a, Tensor b, double alpha) { CATCH_TENSOR(at::add(*a, *b, u2pl::scalar(*a, alpha))) }
EXPORT_API Tensor THSTensor_sub(Tensor a, Tensor b, double alpha) { CATCH_TENSOR(at::sub(*a, *b, u2pl::scalar(*a, alpha))) }
EXPORT_API Tensor THSTensor_mul(Tensor a, Tensor b) { CATCH_TENSOR(at::mul(*a, *b)) }
EXPORT_API Tensor THSTensor_div(Tensor a, Tensor b) { CATCH_TENSOR(at::div(*a, *b)) }
EXPORT_API Tensor THSTensor_add_scalar(Tensor a, double b) { CATCH_TENSOR(at::add(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_mul_scalar(Tensor a, double b) { CATCH_TENSOR(at::mul(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_div_scalar(Tensor a, double b) { CATCH_TENSOR(at::div(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_rsub_scalar(Tensor a, double b) { CATCH_TENSOR(at::rsub(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_pow_scalar(Tensor a, double exponent) { CATCH_TENSOR(at::pow(*a, exponent)) }
EXPORT_API Tensor THSTensor_remainder_scalar(Tensor a, double b) { CATCH_TENSOR(at::remainder(*a, u2pl::scalar(*a, b))) }

EXPORT_API void THSTensor_add_(Tensor a, Tensor b, double alpha) { CATCH(a->add_(*b, u2pl::scalar(*a, alpha));) }
EXPORT_API void THSTensor_mul_(Tensor a, Tensor b) { CATCH(a->mul_(*b);) }
EXPORT_API void THSTensor_add_scalar_(Tensor a, double b) { CATCH(a->add_(u2pl::scalar(*a, b));) }
EXPORT_API void THSTensor_mul_scalar_(Tensor a, double b) { CATCH(a->mul_(u2pl::scalar(*a, b));) }
EXPORT_API void THSTensor_div_scalar_(Tensor a, double b) { CATCH(a->div_(b);) }
// a = a * weight + b * (1 - weight)... expressed as torch's lerp: a += (b - a) * weight
EXPORT_API void THSTensor_lerp_(Tensor a, Tensor b, double weight) { CATCH(a->lerp_(*b, weight);) }

// ---- unary ----

EXPORT_API Tensor THSTensor_neg(Tensor a) { CATCH_TENSOR(at::neg(*a)) }
EXPORT_API Tensor THSTensor_exp(Tensor a) { CATCH_TENSOR(at::exp(*a)) }
EXPORT_API Tensor THSTensor_log(Tensor a) { CATCH_TENSOR(at::log(*a)) }
EXPORT_API Tensor THSTensor_sqrt(Tensor a) { CATCH_TENSOR(at::sqrt(*a)) }
EXPORT_API Tensor THSTensor_abs(Tensor a) { CATCH_TENSOR(at::abs(*a)) }
EXPORT_API Tensor THSTensor_sigmoid(Tensor a) { CATCH_TENSOR(at::sigmoid(*a)) }
EXPORT_API Tensor THSTensor_floor(Tensor a) { CATCH_TENSOR(at::floor(*a)) }
EXPORT_API Tensor THSTensor_clamp(Tensor a, double min, double max) { CATCH_TENSOR(at::clamp(*a, min, max)) }
EXPORT_API Tensor THSTensor_clamp_min(Tensor a, double min) { CATCH_TENSOR(at::clamp_min(*a, min)) }
EXPORT_API Tensor THSTensor_clamp_max(Tensor a, double max) { CATCH_TENSOR(at::clamp_max(*a, max)) }

// ---- comparison and logic ----

EXPORT_API Tensor THSTensor_eq(Tensor a, Tensor b) { CATCH_TENSOR(at::eq(*a, *b)) }
EXPORT_API Tensor THSTensor_ne(Tensor a, Tensor b) { CATCH_TENSOR(at::ne(*a, *b)) }
EXPORT_API Tensor THSTensor_lt(Tensor a, Tensor b) { CATCH_TENSOR(at::lt(*a, *b)) }
EXPORT_API Tensor THSTensor_le(Tensor a, Tensor b) { CATCH_TENSOR(at::le(*a, *b)) }
EXPORT_API Tensor THSTensor_gt(Tensor a, Tensor b) { CATCH_TENSOR(at::gt(*a, *b)) }
EXPORT_API Tensor THSTensor_ge(Tensor a, Tensor b) { CATCH_TENSOR(at::ge(*a, *b)) }
EXPORT_API Tensor THSTensor_eq_scalar(Tensor a, double b) { CATCH_TENSOR(at::eq(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_ne_scalar(Tensor a, double b) { CATCH_TENSOR(at::ne(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_lt_scalar(Tensor a, double b) { CATCH_TENSOR(at::lt(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_le_scalar(Tensor a, double b) { CATCH_TENSOR(at::le(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_gt_scalar(Tensor a, double b) { CATCH_TENSOR(at::gt(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_ge_scalar(Tensor a, double b) { CATCH_TENSOR(at::ge(*a, u2pl::scalar(*a, b))) }
EXPORT_API Tensor THSTensor_logical_and(Tensor a, Tensor b) { CATCH_TENSOR(at::logical_and(*a, *b)) }
EXPORT_API Tensor THSTensor_logical_or(Tensor a, Tensor b) { CATCH_TENSOR(at::logical_or(*a, *b)) }
EXPORT_API Tensor THSTensor_logical_not(Tensor a) { CATCH_TENSOR(at::logical_not(*a)) }
EXPORT_API Tensor THSTensor_where(Tensor condition, Tensor a, Tensor b) { CATCH_TENSOR(at::where(*condition, *a, *b)) }
EXPORT_API bool THSTensor_allclose(Tensor a, Tensor b, double rtol, double atol) { CATCH_RETURN(bool, false, at::allclose(*a, *b, rtol, atol)) }

// ---- reductions ----

EXPORT_API Tensor THSTensor_sum(Tensor a) { CATCH_TENSOR(at::sum(*a)) }
EXPORT_API Tensor THSTensor_sum_dim(Tensor a, const int64_t* dims, int ndim, bool keepdim) { CATCH_TENSOR(at::sum(*a, u2pl::ints(dims, ndim), keepdim)) }
EXPORT_API Tensor THSTensor_mean(Tensor a) { CATCH_TENSOR(at::mean(*a)) }
EXPORT_API Tensor THSTensor_mean_dim(Tensor a, const int64_t* dims, int ndim, bool keepdim) { CATCH_TENSOR(at::mean(*a, u2pl::ints(dims, ndim), keepdim)) }
EXPORT_API Tensor THSTensor_max(Tensor a) { CATCH_TENSOR(at::max(*a)) }
EXPORT_API Tensor THSTensor_min(Tensor a) { CATCH_TENSOR(at::min(*a)) }
EXPORT_API Tensor THSTensor_argmax(Tensor a, int64_t dim, bool keepdim) { CATCH_TENSOR(at::argmax(*a, dim, keepdim)) }
EXPORT_API Tensor THSTensor_argmin(Tensor a, int64_t dim, bool keepdim) { CATCH_TENSOR(at::argmin(*a, dim, keepdim)) }
EXPORT_API Tensor THSTensor_norm(Tensor a, double p, int64_t dim, bool keepdim) { CATCH_TENSOR(at::norm(*a, p, at::IntArrayRef{dim}, keepdim)) }
EXPORT_API Tensor THSTensor_bincount(Tensor a, int64_t minlength) { CATCH_TENSOR(at::bincount(*a, {}, minlength)) }
EXPORT_API Tensor THSTensor_quantile(Tensor a, double q) { CATCH_TENSOR(at::quantile(*a, q)) }

EXPORT_API void THSTensor_max_dim(Tensor a, int64_t dim, bool keepdim, Tensor* values, Tensor* indices) {
    CATCH(auto result = at::max(*a, dim, keepdim);
          *values = u2pl::new_tensor(std::get<0>(result));
          *indices = u2pl::new_tensor(std::get<1>(result));)
}

// ---- sorting ----

EXPORT_API void THSTensor_topk(Tensor a, int64_t k, int64_t dim, bool largest, bool sorted, Tensor* values, Tensor* indices) {
    CATCH(auto result = at::topk(*a, k, dim, largest, sorted);
          *values = u2pl::new_tensor(std::get<0>(result));
          *indices = u2pl::new_tensor(std::get<1>(result));)
}

EXPORT_API void THSTensor_sort(Tensor a, int64_t dim, bool descending, Tensor* values, Tensor* indices) {
    CATCH(auto result = at::sort(*a, dim, descending);
          *values = u2pl::new_tensor(std::get<0>(result));
          *indices = u2pl::new_tensor(std::get<1>(result));)
}

EXPORT_API void THSTensor_kthvalue(Tensor a, int64_t k, int64_t dim, bool keepdim, Tensor* values, Tensor* indices) {
    CATCH(auto result = at::kthvalue(*a, k, dim, keepdim);
          *values = u2pl::new_tensor(std::get<0>(result));
          *indices = u2pl::new_tensor(std::get<1>(result));)
}

EXPORT_API Tensor THSTensor_argsort(Tensor a, int64_t dim, bool descending) { CATCH_TENSOR(at::argsort(*a, dim, descending)) }

// ---- linear algebra and similarity ----

EXPORT_API Tensor THSTensor_matmul(Tensor a, Tensor b) { CATCH_TENSOR(at::matmul(*a, *b)) }
EXPORT_API Tensor THSTensor_mm(Tensor a, Tensor b) { CATCH_TENSOR(at::mm(*a, *b)) }
EXPORT_API Tensor THSTensor_bmm(Tensor a, Tensor b) { CATCH_TENSOR(at::bmm(*a, *b)) }
EXPORT_API Tensor THSTensor_cosine_similarity(Tensor a, Tensor b, int64_t dim, double eps) { CATCH_TENSOR(at::cosine_similarity(*a, *b, dim, eps)) }

// As torch.nn.functional.normalize: a / max(||a||_p, eps) along dim.
EXPORT_API Tensor THSTensor_normalize(Tensor a, double p, int64_t dim, double eps) {
    CATCH_TENSOR(at::div(*a, at::norm(*a, p, at::IntArrayRef{dim}, true).clamp_min(eps).expand_as(*a)))
}

// ---- activations ----

EXPORT_API Tensor THSTensor_relu(Tensor a) { CATCH_TENSOR(at::relu(*a)) }
EXPORT_API void THSTensor_relu_(Tensor a) { CATCH(at::relu_(*a);) }
EXPORT_API Tensor THSTensor_softmax(Tensor a, int64_t dim) { CATCH_TENSOR(at::softmax(*a, dim)) }
EXPORT_API Tensor THSTensor_log_softmax(Tensor a, int64_t dim) { CATCH_TENSOR(at::log_softmax(*a, dim)) }
