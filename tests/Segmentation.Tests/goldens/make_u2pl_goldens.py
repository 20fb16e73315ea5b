#!/usr/bin/python3
"""Goldens for the U2PL loss components, written from the paper's equations with Debian's python3-torch.

Run: /usr/bin/python3 tests/Segmentation.Tests/goldens/make_u2pl_goldens.py  -> u2pl.json beside this script.
This is an independent reference: plain loops and numpy where the paper says "np.percentile", not our code's
structure. Inputs are fixed (seeded) and stored; where the method samples, the sampled indices are stored too and
the C# test feeds the same ones to the deterministic part.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

torch.manual_seed(2022)
out = {}


def t(x):
    x = x.detach()
    dtype = "bool" if x.dtype == torch.bool else str(x.dtype).replace("torch.", "")
    data = x.flatten().tolist()
    if dtype == "bool":
        data = [int(v) for v in data]
    return {"shape": list(x.shape), "dtype": dtype, "data": data}


B, C, H, W, D = 3, 5, 6, 7, 8
logits = torch.randn(B, C, H, W) * 2
prob = torch.softmax(logits, 1)
valid = torch.rand(B, H, W) > 0.1

# Eq. 5: entropy; Eq. 6: gamma_t = np.percentile(H[valid], 100 * (1 - alpha_t)); reliable H < gamma, unreliable H > gamma.
entropy = -(prob * torch.log(prob + 1e-10)).sum(1)
alpha_t = 0.2 * (1 - 3 / 10)  # Eq. 7 with alpha_0 = 20%, epoch 3 of 10
gamma = float(np.percentile(entropy[valid].numpy(), 100 * (1 - alpha_t)))
reliable = (entropy < gamma) & valid
unreliable = (entropy > gamma) & valid
pseudo = prob.argmax(1)
# Eq. 8: lambda_u = eta * |B_u| H W / #reliable; Lu = lambda_u * CE over reliable pixels (mean over them).
lam = B * H * W / reliable.sum().item()
student_logits = torch.randn(B, C, H, W)
target = pseudo.clone()
target[~reliable] = 255
lu = lam * F.cross_entropy(student_logits, target, ignore_index=255)
out["partition"] = {"probabilities": t(prob), "valid": t(valid), "alpha_t": alpha_t, "entropy": t(entropy), "gamma": gamma,
                    "reliable": t(reliable), "unreliable": t(unreliable), "lambda": lam,
                    "student_logits": t(student_logits), "pseudo_labels": t(pseudo), "unsupervised_loss": lu.item()}

# Ranks O_ij(c) and Eq. 9-16 masks for a batch of 2 labeled + 2 unlabeled images at the representation resolution.
B2, L = 4, 2
p2 = torch.softmax(torch.randn(B2, C, H, W) * 2, 1)
labels = torch.randint(0, C, (B2, H, W))
labels[0, 0, :] = 255
anchor_mask = torch.rand(B2, H, W) > 0.3
anchor_mask[:L] = labels[:L] != 255
negative_mask = torch.rand(B2, H, W) > 0.6
ranks = torch.zeros(B2, C, H, W, dtype=torch.long)
for b in range(B2):
    for i in range(H):
        for j in range(W):
            order = sorted(range(C), key=lambda k: -p2[b, k, i, j].item())
            for r, k in enumerate(order):
                ranks[b, k, i, j] = r
rl, rh, delta = 2, 4, 0.3
student = torch.randn(B2, D, H, W)
teacher = torch.randn(B2, D, H, W)
per_class = []
for c in range(C):
    cand = (labels == c) & anchor_mask & (p2[:, c] > delta)                   # Eq. 9-11
    neg = torch.zeros(B2, H, W, dtype=torch.bool)
    for b in range(B2):
        if b < L:                                                              # Eq. 14 (valid pixels)
            neg[b] = (labels[b] != c) & (labels[b] != 255) & (ranks[b, c] < rl)
        else:                                                                  # Eq. 15
            neg[b] = negative_mask[b] & (ranks[b, c] >= rl) & (ranks[b, c] < rh)
    teacher_rows = teacher.permute(0, 2, 3, 1)
    proto = teacher_rows[cand].mean(0) if cand.any() else torch.zeros(D)      # Eq. 12
    per_class.append({"candidates": t(cand), "negatives": t(neg), "prototype": t(proto), "has_prototype": bool(cand.any())})
out["selection"] = {"probabilities": t(p2), "labels": t(labels), "anchor_mask": t(anchor_mask), "negative_mask": t(negative_mask),
                    "labeled_count": L, "low_rank": rl, "high_rank": rh, "threshold": delta, "ranks": t(ranks),
                    "teacher": t(teacher), "classes": per_class}

# Eq. 4 (InfoNCE) and Eq. A1 (binary), for fixed anchors, prototype and negatives.
M, N, tau = 6, 9, 0.5
anchors = torch.randn(M, D)
positive = torch.randn(D)
negatives = torch.randn(M, N, D)


def cos(a, b):
    return (a * b).sum(-1) / (a.norm(dim=-1).clamp_min(1e-8) * b.norm(dim=-1).clamp_min(1e-8))


info = 0.0
binary = 0.0
for i in range(M):
    pos = torch.exp(cos(anchors[i], positive) / tau)
    negs = torch.exp(cos(anchors[i].unsqueeze(0), negatives[i]) / tau)
    info += -torch.log(pos / (pos + negs.sum())).item()
    binary += sum(-torch.log(pos / (pos + n)).item() for n in negs)
out["infonce"] = {"anchors": t(anchors), "positive": t(positive), "negatives": t(negatives), "temperature": tau,
                  "loss": info / M, "binary_loss": binary / (M * N)}

# OHEM (Cityscapes): keep pixels whose true-class probability is <= max(kth smallest, 0.7), at least min_kept of them.
ohem_logits = torch.randn(2, C, H, W) * 3
ohem_labels = torch.randint(0, C, (2, H, W))
ohem_labels[1, :2] = 255
min_kept = 20
pr = torch.softmax(ohem_logits, 1)
valid_o = ohem_labels != 255
true_p = torch.ones(2, H, W)
true_p[valid_o] = pr.permute(0, 2, 3, 1)[valid_o][torch.arange(valid_o.sum()), ohem_labels[valid_o]]
kth = torch.sort(true_p.flatten())[0][min(min_kept, int(valid_o.sum())) - 1].item()
keep = (true_p <= max(kth, 0.7)) & valid_o
tgt = ohem_labels.clone()
tgt[~keep] = 255
out["ohem"] = {"logits": t(ohem_logits), "labels": t(ohem_labels), "min_kept": min_kept, "threshold": 0.7,
               "loss": F.cross_entropy(ohem_logits, tgt, ignore_index=255).item()}

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "u2pl.json"), "w") as f:
    json.dump({"torch_version": torch.__version__, "cases": out}, f)
