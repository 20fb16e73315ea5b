// The C ABI of the shim. Every exported function catches C++ exceptions and records the message in a thread-local
// slot that the managed side reads with THSTorch_get_and_reset_last_err (a C++ exception crossing into .NET would
// abort the process). Tensors cross the boundary as heap-allocated at::Tensor handles owned by the managed side.
#pragma once

#include <ATen/ATen.h>
#include <cstdint>
#include <string>

#define EXPORT_API extern "C" __attribute__((visibility("default")))

typedef at::Tensor* Tensor;

namespace u2pl {

void set_last_error(const char* message);

// Wraps a result into a new owned handle (counted, so tests can prove that nothing leaks).
Tensor new_tensor(at::Tensor&& tensor);
Tensor new_tensor(const at::Tensor& tensor);

// A nullable handle: managed code passes null for "no tensor" (an optional bias, say).
inline at::Tensor optional(Tensor t) { return t == nullptr ? at::Tensor() : *t; }

inline at::IntArrayRef ints(const int64_t* values, int length) { return at::IntArrayRef(values, static_cast<size_t>(length)); }

std::vector<at::Tensor> tensor_list(const Tensor* tensors, int length);

// Scalars cross the ABI as doubles; an integral value applied to an integral tensor becomes an integral Scalar, as
// Python's `t += 1` does (a double Scalar cannot be added in place to an int64 tensor).
inline at::Scalar scalar(const at::Tensor& tensor, double value) {
    if (at::isIntegralType(tensor.scalar_type(), /*includeBool=*/true) && value == static_cast<double>(static_cast<int64_t>(value)))
        return at::Scalar(static_cast<int64_t>(value));
    return at::Scalar(value);
}

}  // namespace u2pl

#define CATCH(body)                                                     \
    try {                                                               \
        body                                                            \
    } catch (const c10::Error& e) {                                     \
        u2pl::set_last_error(e.what_without_backtrace());               \
    } catch (const std::exception& e) {                                 \
        u2pl::set_last_error(e.what());                                 \
    } catch (...) {                                                     \
        u2pl::set_last_error("unknown native error");                   \
    }

// Returns a new handle for the expression, or null with the error recorded.
#define CATCH_TENSOR(expr)                                              \
    Tensor result__ = nullptr;                                          \
    CATCH(result__ = u2pl::new_tensor(expr);)                           \
    return result__;

#define CATCH_RETURN(type, fallback, expr)                              \
    type result__ = fallback;                                           \
    CATCH(result__ = (expr);)                                           \
    return result__;
