// Optimizer updates over lists of parameters, one native call per parameter group.
#include "u2pl_torch.h"

// SGD with momentum and weight decay, as torch.optim.SGD (dampening 0, no Nesterov):
//   d = grad + weight_decay * p;  buf = momentum * buf + d  (buf = d on the first step);  p -= lr * buf.
// Momentum buffers are owned by the caller and start as zeros, which gives PyTorch's first step exactly.
// Parameters without a gradient are skipped, as in PyTorch.
EXPORT_API void THSOptimizers_sgd_step(const Tensor* parameters, const Tensor* momentum_buffers, int length,
                                       double lr, double momentum, double weight_decay) {
    CATCH(
        at::NoGradGuard no_grad;
        for (int i = 0; i < length; i++) {
            at::Tensor& parameter = *parameters[i];
            const at::Tensor& grad = parameter.grad();
            if (!grad.defined()) continue;
            at::Tensor d = weight_decay != 0 ? grad.add(parameter, weight_decay) : grad;
            if (momentum != 0) {
                at::Tensor& buffer = *momentum_buffers[i];
                buffer.mul_(momentum).add_(d);
                parameter.add_(buffer, -lr);
            } else {
                parameter.add_(d, -lr);
            }
        })
}

// Sets every gradient to undefined (PyTorch's zero_grad(set_to_none=True)).
EXPORT_API void THSOptimizers_zero_grad(const Tensor* parameters, int length) {
    CATCH(for (int i = 0; i < length; i++) parameters[i]->mutable_grad().reset();)
}
