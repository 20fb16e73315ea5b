// Autograd: backward passes and the per-thread grad mode behind managed no_grad scopes.
#include "u2pl_torch.h"

#include <torch/csrc/autograd/autograd.h>

EXPORT_API bool THSAutograd_is_grad_enabled() { return at::GradMode::is_enabled(); }

EXPORT_API void THSAutograd_set_grad_enabled(bool enabled) { at::GradMode::set_enabled(enabled); }

EXPORT_API void THSTensor_backward(Tensor tensor, Tensor gradient, bool retain_graph) {
    CATCH(tensor->backward(u2pl::optional(gradient), retain_graph);)
}
