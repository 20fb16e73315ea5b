#!/usr/bin/python3
"""Golden values for the libtorch bindings' ops, computed by Debian's python3-torch (the independent reference).

Run: /usr/bin/python3 tests/Torch.Tests/goldens/make_op_goldens.py  -> writes ops.json beside this script.
Every case stores its inputs and expected outputs as flat lists with shapes, so the C# test rebuilds the same inputs.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
cases = {}


def t(x):
    return {"shape": list(x.shape), "dtype": str(x.dtype).replace("torch.", ""), "data": x.detach().flatten().tolist()}


def case(name, **tensors):
    cases[name] = {k: t(v) if isinstance(v, torch.Tensor) else v for k, v in tensors.items()}


x = torch.randn(2, 3, 9, 9)
w = torch.randn(4, 3, 3, 3)
b = torch.randn(4)
case("conv2d_dilated", input=x, weight=w, bias=b, stride=1, padding=2, dilation=2,
     output=F.conv2d(x, w, b, stride=1, padding=2, dilation=2))
case("conv2d_strided_nobias", input=x, weight=w, stride=2, padding=1, dilation=1,
     output=F.conv2d(x, w, None, stride=2, padding=1))

bn_x = torch.randn(4, 3, 5, 5) * 2 + 1
bn_w, bn_b = torch.randn(3), torch.randn(3)
rm, rv = torch.zeros(3), torch.ones(3)
out = F.batch_norm(bn_x, rm, rv, bn_w, bn_b, training=True, momentum=0.1, eps=1e-5)
case("batch_norm_train", input=bn_x, weight=bn_w, bias=bn_b, output=out, running_mean=rm, running_var=rv)
rm2, rv2 = torch.randn(3), torch.rand(3) + 0.5
case("batch_norm_eval", input=bn_x, weight=bn_w, bias=bn_b, mean_in=rm2, var_in=rv2,
     output=F.batch_norm(bn_x, rm2, rv2, bn_w, bn_b, training=False, eps=1e-5))

up = torch.randn(1, 2, 4, 5)
case("interpolate_bilinear_align", input=up, output=F.interpolate(up, size=(9, 11), mode="bilinear", align_corners=True))
case("interpolate_bilinear", input=up, output=F.interpolate(up, size=(7, 3), mode="bilinear", align_corners=False))
case("adaptive_avg_pool2d", input=up, output=F.adaptive_avg_pool2d(up, 1))
case("max_pool2d", input=x, output=F.max_pool2d(x, 3, 2, 1))

logits = torch.randn(2, 5, 3, 4)
target = torch.randint(0, 5, (2, 3, 4))
target[0, 0, :] = 255
case("cross_entropy_ignore_none", input=logits, target=target,
     output=F.cross_entropy(logits, target, ignore_index=255, reduction="none"))
case("cross_entropy_ignore_mean", input=logits, target=target, output=F.cross_entropy(logits, target, ignore_index=255))
case("softmax", input=logits, output=torch.softmax(logits, 1), log_output=torch.log_softmax(logits, 1))

v = torch.randn(6, 8)
u = torch.randn(6, 8)
case("normalize", input=v, output=F.normalize(v, dim=1))
case("cosine_similarity", a=v, b=u, output=F.cosine_similarity(v, u, dim=1))
vals, idx = torch.topk(v, 3, dim=1)
case("topk", input=v, values=vals, indices=idx)
sv, si = torch.sort(v, dim=1, descending=True)
case("sort_desc", input=v, values=sv, indices=si, argsort=torch.argsort(v, dim=1, descending=True))
case("matmul", a=v, b=u.t().contiguous(), output=v @ u.t())
case("quantile", input=v, q=0.8, output=torch.quantile(v.flatten(), 0.8))

# SGD, three steps on a fixed quadratic, with momentum, weight decay and two groups with different learning rates.
p1 = torch.randn(5, requires_grad=True)
p2 = torch.randn(3, 2, requires_grad=True)
start1, start2 = p1.detach().clone(), p2.detach().clone()
opt = torch.optim.SGD([{"params": [p1], "lr": 0.1}, {"params": [p2], "lr": 1.0}], lr=0.1, momentum=0.9, weight_decay=1e-2)
for _ in range(3):
    opt.zero_grad()
    loss = (p1 ** 2).sum() * 0.5 + (p2 ** 3).sum() * 0.1
    loss.backward()
    opt.step()
case("sgd_three_steps", p1_start=start1, p2_start=start2, p1=p1, p2=p2)

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "ops.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": cases}, f)
