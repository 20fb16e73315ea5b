// Process-wide settings and the error slot: threads, seeds, RNG state, CUDA availability, live-tensor count.
#include "u2pl_torch.h"

#include <ATen/Parallel.h>
#include <ATen/CPUGeneratorImpl.h>
#include <atomic>
#include <cstring>
#include <malloc.h>
#include <torch/version.h>

namespace {
thread_local std::string last_error;
thread_local std::string returned_error;
std::atomic<int64_t> live_tensors{0};
}  // namespace

namespace u2pl {

void set_last_error(const char* message) { last_error = message == nullptr ? "unknown native error" : message; }

Tensor new_tensor(at::Tensor&& tensor) {
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    return new at::Tensor(std::move(tensor));
}

Tensor new_tensor(const at::Tensor& tensor) {
    live_tensors.fetch_add(1, std::memory_order_relaxed);
    return new at::Tensor(tensor);
}

std::vector<at::Tensor> tensor_list(const Tensor* tensors, int length) {
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(length));
    for (int i = 0; i < length; i++) list.push_back(*tensors[i]);
    return list;
}

}  // namespace u2pl

// Returns the pending error of this thread (valid until the next call on this thread) and clears it; null if none.
EXPORT_API const char* THSTorch_get_and_reset_last_err() {
    if (last_error.empty()) return nullptr;
    returned_error.swap(last_error);
    last_error.clear();
    return returned_error.c_str();
}

EXPORT_API void THSTensor_dispose(Tensor tensor) {
    if (tensor == nullptr) return;
    delete tensor;
    live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

EXPORT_API int64_t THSTorch_live_tensor_count() { return live_tensors.load(std::memory_order_relaxed); }

EXPORT_API void THSTorch_set_num_threads(int threads) { CATCH(at::set_num_threads(threads);) }

EXPORT_API int THSTorch_get_num_threads() { CATCH_RETURN(int, 0, at::get_num_threads()) }

EXPORT_API void THSTorch_manual_seed(int64_t seed) { CATCH(at::manual_seed(static_cast<uint64_t>(seed));) }

EXPORT_API Tensor THSTorch_get_rng_state() { CATCH_TENSOR(at::detail::getDefaultCPUGenerator().get_state()) }

EXPORT_API void THSTorch_set_rng_state(Tensor state) {
    CATCH(
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        generator.set_state(*state);)
}

EXPORT_API int THSTorch_cuda_is_available() { CATCH_RETURN(int, 0, at::hasCUDA() ? 1 : 0) }

EXPORT_API int THSTorch_cuda_device_count() {
    CATCH_RETURN(int, 0, at::hasCUDA() ? static_cast<int>(at::getNumGPUs()) : 0)
}

// glibc keeps freed arenas; returning them keeps a long run's RSS flat.
EXPORT_API void THSTorch_malloc_trim() { malloc_trim(0); }

EXPORT_API int64_t THSTorch_version_major() { return TORCH_VERSION_MAJOR; }
EXPORT_API int64_t THSTorch_version_minor() { return TORCH_VERSION_MINOR; }
