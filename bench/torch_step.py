#!/usr/bin/python3
"""The supervised training step of `u2pl bench step`, in plain PyTorch: the peer it is measured against.

forward (train mode), bilinear upsampling of the prediction to the input size (align_corners), cross-entropy ignoring
255, backward, SGD (lr 1e-3, momentum 0.9, weight decay 1e-4); random inputs with 10% ignored pixels; prints one JSON
object with the same keys as `u2pl bench step --json`.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_deeplab import DeepLabV3Plus  # noqa: E402


def resident_mb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--arch", required=True, choices=["resnet18", "resnet50", "resnet101"])
    p.add_argument("--os", type=int, default=8, choices=[8, 16])
    p.add_argument("--batch", type=int, default=4)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--classes", type=int, default=21)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true", help="accepted for symmetry with u2pl; the output is always JSON")
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    # The representation head is built (same parameters and optimizer as ours) but not run: a supervised step.
    model = DeepLabV3Plus(a.arch, a.classes, a.os, representation=True).train()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=1e-4)
    images = torch.randn(a.batch, 3, a.size, a.size)
    labels = torch.randint(0, a.classes, (a.batch, a.size, a.size)).masked_fill(torch.rand(a.batch, a.size, a.size) < 0.1, 255)

    times, loss_value = [], float("nan")
    for step in range(a.warmup + a.steps):
        start = time.perf_counter()
        prediction, _ = model(images)
        logits = F.interpolate(prediction, size=images.shape[-2:], mode="bilinear", align_corners=True)
        loss = F.cross_entropy(logits, labels, ignore_index=255)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_value = loss.item()
        elapsed = (time.perf_counter() - start) * 1000
        if step >= a.warmup:
            times.append(elapsed)

    print(json.dumps({
        "arch": a.arch, "output_stride": a.os, "batch": a.batch, "size": a.size, "classes": a.classes,
        "threads": a.threads, "steps": len(times), "median_ms": round(statistics.median(times), 2),
        "min_ms": round(min(times), 2), "max_ms": round(max(times), 2),
        "total_params": sum(p.numel() for p in model.parameters()),
        "peak_rss_mb": round(resident_mb("VmHWM:"), 1), "rss_end_mb": round(resident_mb("VmRSS:"), 1),
        "final_loss": round(loss_value, 5), "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
