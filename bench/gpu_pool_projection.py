#!/usr/bin/env python3
"""Projected step time and scaling efficiency of a sync GPU pool (issue 22, item 4).

A model, not a measurement: it combines what was measured on the 2-core dev machine (the data plane's CPU seconds per
GiB, `payload --data-plane [--tls] --json`), the parameter counts of the project's DeepLabv3+ (`u2pl model summary`),
and GPU step times taken from published figures (stated below, marked as assumptions), into the time of one synchronous
step of N workers and S parameter-server shards on links of 10/25/100 Gb/s.

    python3 bench/gpu_pool_projection.py              # markdown tables (the ones in bench/RESULTS.md)
    python3 bench/gpu_pool_projection.py --csv        # every row, for plotting

Standard library only. Every input is a constant in the INPUTS block; change them there.
"""
import argparse
import math

# ---------------------------------------------------------------------------------------------------------- INPUTS --

# Parameters of DeepLabv3+ (21 classes, output stride 8), `dotnet Client/bin/Release/net10.0/u2pl.dll model summary
# --arch resnet50|resnet101 --classes 21 --json` (total_params).
PARAMS = {"ResNet-50": 45_344_085, "ResNet-101": 64_336_213}

# BatchNorm channels (each has running_mean and running_var as fp32 buffers): the ResNet's (stem 64, per bottleneck
# planes + planes + 4*planes, per first block a 4*planes downsample) plus ~2,560 in the decoder (ASPP 5x256, its
# projection 256, low_conv 256, head and representation 2x256; Segmentation/Models). Under 0.2 % of the parameters.
BN_CHANNELS = {"ResNet-50": 26_560 + 2_560, "ResNet-101": 52_672 + 2_560}

# GPU time of one U2PL micro-batch (2 labeled + 2 unlabeled 513x513 crops: student forward+backward on 4 images,
# teacher forward on 2), seconds. ASSUMPTIONS, derived from a published figure, not measured here (no GPU):
# mmsegmentation's model zoo (configs/deeplabv3plus, Cityscapes, V100) gives DeepLabv3+ R-50-D8 3.94 and R-101-D8
# 2.60 images/s at inference on 1024x2048 (whole image), i.e. 0.25 / 0.385 s per 2 Mpx; a 513x513 crop is 1/8 of that:
# 0.032 / 0.048 s forward. Forward+backward ~ 3x forward: micro-batch ~ 4*3*f + 2*f = 14 f -> V100 0.45 / 0.67 s.
# A100 (TF32) taken as 2x a V100, "fast" (A100 with AMP, or H100) as 4x. U2PL's paper trains on 8 GPUs with a
# global batch of 16 labeled + 16 unlabeled, i.e. 8 micro-batches of 2 + 2 per step.
COMPUTE_S = {
    "V100": {"ResNet-50": 0.45, "ResNet-101": 0.67},
    "A100": {"ResNet-50": 0.23, "ResNet-101": 0.34},
    "fast": {"ResNet-50": 0.11, "ResNet-101": 0.17},
}
MAIN_GPU = "A100"

# Micro-batches per step: U2PL's global batch (8 of 2+2). With more workers than that, each worker still computes one
# per step (the global batch grows with the pool: weak scaling); with fewer, each computes ceil(8 / N).
MICRO_BATCHES_PER_STEP = 8

# Bytes per value on the wire: 4 (fp32, today) or 2 (fp16/bf16 wire, cluster.half_precision_wire).
WIRE_BYTES = 4

# Memory-bank traffic per micro-batch (negatives pushed to the banks, the bank-cache refresh), bytes. ASSUMPTION: on
# this machine (ResNet-18, 96x96 crops, bench/RESULTS.md "Overhead of the cluster") everything beyond weights +
# gradient was ~5 % of a step's bytes; banks live on their own grains, so this goes over the worker's link only.
BANK_BYTES_PER_MICRO_BATCH = 8 << 20

# The data plane's CPU cost, seconds per GiB, sender and receiver, median of 5 rounds, loopback on the 2-core dev
# machine (`payload --data-plane [--tls] --repeats 5 --json`, cpu_s_per_gib_*_chunked; bench/RESULTS.md, this
# session). Loopback includes the kernel's copy between the two sockets, so the sender's figure is pessimistic for a
# NIC (which DMAs); the TLS figures are dominated by AES-GCM, which a NIC does not take away.
CPU_S_PER_GIB = {
    "plain": {"send": 0.0, "receive": 0.0},   # filled in below from MEASURED
    "tls": {"send": 0.0, "receive": 0.0},
}
MEASURED = {  # cpu_s_per_gib_{sender,receiver}_chunked
    "plain": (0.72, 0.68),
    "tls": (1.143, 1.16),
}
TRANSPORT = "tls"  # production clusters run mutual TLS

# Cores of a node the data plane may use (a GPU node's or a shard silo's host CPU beside the training process).
IO_CORES = 4

# A shard adds each pushed gradient into its sum as it arrives, and applies SGD + the teacher's EMA once per step.
# ASSUMPTION: streaming fp32 adds at 10 GiB/s of gradient per core (one core of the shard's host), ~6 passes over the
# shard's parameters for the apply (momentum, weight decay, EMA) at the same rate.
ACCUMULATE_GIB_S = 10.0
APPLY_PASSES = 6

# The design's next steps, projected (not built; the worker's own teacher EMA is built at fp32 since a4d79dd, and
# projected here at any wire): sums its micro-batches of a step locally and pushes once, streams the pull layer by layer into the forward pass
# (pull_overlap of the step's compute) and pushes gradient buckets during the backward pass (push_overlap).
IMPROVED = {"pull_overlap": 0.25, "push_overlap": 0.6}

# Share of a micro-batch's time that an all-reduce in gradient buckets can hide behind (the backward pass, ~2/3 of it).
RING_OVERLAP = 0.6

LINKS_GBPS = (10, 25, 100)
WORKERS = (2, 4, 8, 16, 32, 64)


def shard_counts(n):
    """The shard counts in the table: 1, 4 and N/4 (at least 1), without repeats."""
    return sorted({1, 4, max(1, n // 4)})


# ------------------------------------------------------------------------------------------------------------ MODEL --

GIB = float(1 << 30)


def rate(link_gbps, cpu_s_per_gib):
    """Bytes/s a node moves: the link, or its I/O cores at the data plane's CPU cost, whichever is lower."""
    link = link_gbps * 1e9 / 8
    cpu = IO_CORES * GIB / cpu_s_per_gib if cpu_s_per_gib > 0 else math.inf
    return min(link, cpu)


def queue_finish(k, compute, push):
    """Time from the first micro-batch's start until the k-th push is answered: pushes go out one after another on the
    worker's link, each as soon as its micro-batch is computed (and the previous push is out), overlapping the next
    micro-batch's compute; the last one cannot overlap anything."""
    return k * compute + push if push <= compute else compute + k * push


def step(model, gpu, link_gbps, n, s, transport=TRANSPORT, wire_bytes=WIRE_BYTES, colocated=False, improved=False):
    """One synchronous step of n workers and s shards; returns a dict of its parts (seconds, bytes). colocated: the
    shards live on the workers' GPU silos (s = n, issue 22 item 3), so each node's link carries its worker's traffic
    and its shard's (full duplex: worker pull + shard ingress come in, worker push + shard egress go out).
    improved: the design's next steps, not built (see IMPROVED)."""
    p, c = PARAMS[model], BN_CHANNELS[model]
    t_c = COMPUTE_S[gpu][model]
    m = max(MICRO_BATCHES_PER_STEP, n)
    k = math.ceil(m / n)                                      # micro-batches per worker per step
    buffers = 2 * 2 * c * 4                                   # running mean + var, student + teacher, fp32
    push = p * wire_bytes + buffers                           # per micro-batch: gradient + BN delta
    # Per step: the student and BN; the teacher too at a 16-bit wire (at fp32 a worker that computed step t repeats its
    # teacher step itself instead, SyncWorkerSession.StepsTeacher; here every worker computes a micro-batch every step).
    pull = (1 if wire_bytes == 4 else 2) * p * wire_bytes + buffers
    hidden_pull = 0.0
    if improved:
        pull = p * wire_bytes + buffers                       # the teacher's EMA applied by the worker itself
        m, k = n, 1                                           # one push per worker per step (micro-batches summed locally)
        t_c = t_c * math.ceil(max(MICRO_BATCHES_PER_STEP, n) / n)
        hidden_pull = IMPROVED["pull_overlap"] * t_c
    cpu = CPU_S_PER_GIB[transport]
    worker_out = rate(link_gbps, cpu["send"])
    worker_in = rate(link_gbps, cpu["receive"])
    shard_in = rate(link_gbps, cpu["receive"])
    shard_out = rate(link_gbps, cpu["send"])
    if colocated:  # the node's link and I/O cores serve both roles at once
        shard_in = shard_out = worker_in = worker_out = rate(link_gbps, cpu["send"] + cpu["receive"]) / 2
    # Pull: every worker fetches its 1/s of the weights from every shard at once; each shard sends n of them.
    t_pull = max(0.0, max(pull / worker_in, n * pull / s / shard_out) - hidden_pull)
    # Push of one micro-batch: the worker's bytes over its link, and the n workers' pushes into each shard's link;
    # the shard's add of the gradient into its sum runs beside the receive (its own core).
    shard_push_bytes = n * push / s
    t_push = max(push / worker_out + BANK_BYTES_PER_MICRO_BATCH / worker_out,
                 shard_push_bytes / shard_in,
                 shard_push_bytes / (ACCUMULATE_GIB_S * GIB))
    t_apply = APPLY_PASSES * p * 4 / s / (ACCUMULATE_GIB_S * GIB)
    t_step = t_pull + (t_c + max(0.0, t_push - IMPROVED["push_overlap"] * t_c) if improved else queue_finish(k, t_c, t_push)) + t_apply
    ideal = k * t_c
    shard_bytes_in = m * push / s
    shard_bytes_out = n * pull / s
    return {
        "model": model, "gpu": gpu, "link": link_gbps, "n": n, "s": s, "k": k,
        "compute": ideal, "pull": t_pull, "push": t_push, "apply": t_apply, "step": t_step,
        "efficiency": ideal / t_step,
        "worker_bytes": pull + k * (push + BANK_BYTES_PER_MICRO_BATCH),
        "shard_in": shard_bytes_in, "shard_out": shard_bytes_out,
        "shard_cpu": (shard_bytes_in * cpu["receive"] + shard_bytes_out * cpu["send"]) / GIB,
        "bound": bound(t_pull, t_push, pull / worker_in, n * pull / s / shard_out, push / worker_out, shard_push_bytes / shard_in, t_c),
    }


def ring_allreduce(model, gpu, link_gbps, n, transport=TRANSPORT, wire_bytes=WIRE_BYTES):
    """For comparison, not built: ring all-reduce between the workers (NCCL-style), once per step after the worker's
    k micro-batches are accumulated locally; every worker keeps its own student and teacher (identical updates), so
    nothing is pulled. Each node sends and receives 2 (n-1)/n of the gradient; buckets overlap the last backward
    (RING_OVERLAP of a micro-batch's time)."""
    p = PARAMS[model]
    t_c = COMPUTE_S[gpu][model]
    k = math.ceil(max(MICRO_BATCHES_PER_STEP, n) / n)
    cpu = CPU_S_PER_GIB[transport]
    wire = 2 * (n - 1) / n * p * wire_bytes / rate(link_gbps, max(cpu["send"], cpu["receive"]) * 2)
    exposed = max(0.0, wire - RING_OVERLAP * t_c)
    return k * t_c / (k * t_c + exposed)


def bound(t_pull, t_push, pull_worker, pull_shard, push_worker, push_shard, t_c):
    """What limits the step beyond compute: the worker's link, the shards' links, or nothing (pushes hidden)."""
    shard = pull_shard > pull_worker or push_shard > push_worker
    comm = t_pull + max(0.0, t_push - t_c)
    if comm < 0.1 * t_c:
        return "compute"
    return "shards" if shard else "worker link"


# ------------------------------------------------------------------------------------------------------------ OUTPUT --

def mb(b):
    return f"{b / 1e6:,.0f}"


def main_table(gpu, transport, wire_bytes):
    rows = ["| model | link | workers | shards | µ-batches / worker | compute s | pull s | push s (each) | step s | **efficiency** | "
            "worker MB / step | shard in / out MB / step | shard data-plane CPU s / step | limit |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for model in PARAMS:
        for link in LINKS_GBPS:
            for n in WORKERS:
                for s in shard_counts(n):
                    r = step(model, gpu, link, n, s, transport, wire_bytes)
                    rows.append(f"| {model} | {link} Gb/s | {n} | {s} | {r['k']} | {r['compute']:.2f} | {r['pull']:.2f} | {r['push']:.2f} | "
                                f"{r['step']:.2f} | **{r['efficiency']:.2f}** | {mb(r['worker_bytes'])} | {mb(r['shard_in'])} / {mb(r['shard_out'])} | "
                                f"{r['shard_cpu']:.2f} | {r['bound']} |")
    return "\n".join(rows)


def threshold_table(transport, wire_bytes):
    """Per GPU class, model, link and shard policy: the largest pool (of WORKERS) that keeps efficiency >= 0.9."""
    rows = ["| GPU time per µ-batch | model | link | shards = 1 | shards = 4 | shards = N/4 | shards = N, on the GPU silos | the same + next steps, bf16 wire (not built) | ring all-reduce (not built) |",
            "|---|---|---|---|---|---|---|---|---|"]
    for gpu in COMPUTE_S:
        for model in PARAMS:
            for link in LINKS_GBPS:
                cells = []
                for policy in (lambda n: 1, lambda n: 4, lambda n: max(1, n // 4)):
                    ok = [n for n in WORKERS if step(model, gpu, link, n, policy(n), transport, wire_bytes)["efficiency"] >= 0.9]
                    eff64 = step(model, gpu, link, 64, policy(64), transport, wire_bytes)["efficiency"]
                    cells.append(f"{max(ok) if ok else '< 2'} (64: {eff64:.2f})")
                ok = [n for n in WORKERS if step(model, gpu, link, n, n, transport, wire_bytes, colocated=True)["efficiency"] >= 0.9]
                cells.append(f"{max(ok) if ok else '< 2'} (64: {step(model, gpu, link, 64, 64, transport, wire_bytes, colocated=True)['efficiency']:.2f})")
                ok = [n for n in WORKERS if step(model, gpu, link, n, n, transport, 2, colocated=True, improved=True)["efficiency"] >= 0.9]
                cells.append(f"{max(ok) if ok else '< 2'} (64: {step(model, gpu, link, 64, 64, transport, 2, colocated=True, improved=True)['efficiency']:.2f})")
                ok = [n for n in WORKERS if ring_allreduce(model, gpu, link, n, transport, wire_bytes) >= 0.9]
                cells.append(f"{max(ok) if ok else '< 2'} (64: {ring_allreduce(model, gpu, link, 64, transport, wire_bytes):.2f})")
                rows.append(f"| {gpu} {COMPUTE_S[gpu][model]:.2f} s | {model} | {link} Gb/s | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main():
    global IO_CORES
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--csv", action="store_true", help="every row as CSV")
    parser.add_argument("--transport", choices=("plain", "tls"), default=TRANSPORT)
    parser.add_argument("--wire-bytes", type=int, choices=(2, 4), default=WIRE_BYTES)
    parser.add_argument("--io-cores", type=int, default=IO_CORES, help=f"cores per node for the data plane (default {IO_CORES})")
    args = parser.parse_args()
    IO_CORES = args.io_cores
    for name, (send, receive) in MEASURED.items():
        CPU_S_PER_GIB[name] = {"send": send, "receive": receive}
    if args.csv:
        keys = None
        for gpu in COMPUTE_S:
            for model in PARAMS:
                for link in LINKS_GBPS:
                    for n in WORKERS:
                        for s in shard_counts(n):
                            r = step(model, gpu, link, n, s, args.transport, args.wire_bytes)
                            if keys is None:
                                keys = list(r)
                                print(",".join(keys))
                            print(",".join(str(round(r[k], 4)) if isinstance(r[k], float) else str(r[k]) for k in keys))
        return
    print(f"### {MAIN_GPU} step times, {args.transport} data plane, {args.wire_bytes}-byte wire values, {IO_CORES} I/O cores per node\n")
    print(main_table(MAIN_GPU, args.transport, args.wire_bytes))
    print(f"\n### Largest pool (of {', '.join(map(str, WORKERS))}) at efficiency >= 0.9, and the efficiency at 64 workers; "
          f"{args.transport}, {args.wire_bytes}-byte wire values, {IO_CORES} I/O cores per node\n")
    print(threshold_table(args.transport, args.wire_bytes))
    print("\nCells: the largest pool at efficiency >= 0.9 (\"< 2\": none), and in brackets the efficiency at 64 workers.")


if __name__ == "__main__":
    main()
