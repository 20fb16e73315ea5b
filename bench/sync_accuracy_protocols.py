"""The protocols bench/sync_accuracy.py runs: per protocol its config, its runs (name -> label, kind, extra arguments), its
length, its RESULTS.md heading and the prose that describes it and reads its async run and its scope."""


def pct(value):
    return f"{value * 100:.2f}"


def signed(points):
    """+0.00 rather than -0.00 for a difference that rounds to zero."""
    return f"{0.0 if abs(points) < 0.005 else points:+.2f}"


SYNTHETIC_RUNS = {  # name -> (label, kind, extra arguments); the config has trainer.micro_batches: 2
    "train-m2": ("one process, M = 2", "train", []),
    "train-m1": ("one process, M = 1", "train", ["--set", "trainer.micro_batches=1"]),
    "sync2": ("2 sync workers, M = 2", "demo", []),
    "async2": ("2 async workers", "demo", ["--set", "cluster.mode=async"]),
}
CAMVID_RUNS = {  # in the order they run: the sync comparison first, async last (the first to drop when time is short)
    "train-m2": ("one process, M = 2", "train", ["--set", "trainer.micro_batches=2"]),
    "sync2": ("2 sync workers, M = 2", "demo", ["--set", "trainer.micro_batches=2"]),
    "train-m1": ("one process, M = 1", "train", ["--set", "trainer.micro_batches=1"]),
    "async2": ("2 async workers", "demo", ["--set", "cluster.mode=async"]),
}


def synthetic_protocol(steps):
    return ("`configs/synthetic.yaml` as it is: seed 0, 240 procedural street scenes 128×160 (30 labeled, 1/8) + 60 val, "
            "ResNet-18 DeepLabv3+ OS16 from random init, batch 4 + 4, 96² crops, SGD lr 0.01 poly, 4 epochs × 53 steps "
            f"({steps} steps) with a 1-epoch supervised warm-up, `trainer.micro_batches: 2`; evaluated on the 60 val scenes after every "
            "epoch, the student during the warm-up and the EMA teacher after it (the final figure is the teacher's).")


def camvid_protocol(steps):
    epochs = steps // 81
    length = ("the whole 10 epochs × 81 steps (810 steps)" if steps == 810 else
              f"**truncated to the first {steps} of its 810 steps** (`--set trainer.max_iterations={steps}`: "
              f"{min(epochs, 2)} supervised warm-up epoch(s)" + (f" and the first {epochs - 2} semi-supervised epoch(s)" if epochs > 2 else "")
              + " of 81 steps; the schedules, the poly learning rate's included, still span the 10 epochs, so these are a full run's "
              f"first {steps} steps)")
    return ("`configs/camvid-1-8-pretrained.yaml`: seed 0, CamVid 180×240, 46 labeled (split_seed 0) + 321 unlabeled, "
            "DeepLabv3+ OS16 on the ImageNet ResNet-18 (3-block layer4) of Microsoft.ML.DnnImageFeaturizer.ResNet18, "
            "128² crops (scale 0.75–1.5, flip), batch 4 + 4, SGD lr 0.01 poly, wd 5e-4, 10 epochs × 81 steps with a 2-epoch "
            f"supervised warm-up, {length}; `trainer.micro_batches` 2 set on the command line (1 in the config) except for "
            "M = 1 and async; evaluated on the 101 val images (whole 180×240) after every epoch, the student during the warm-up and the "
            "EMA teacher after it (the final figure is the teacher's).")


def synthetic_async(asyn, m2, m1):
    out = [f"**2 async workers: {signed((asyn['final'] - m2['final']) * 100)} points against one process with M = 2** ({pct(asyn['final'])})"
           + (f", {signed((asyn['final'] - m1['final']) * 100)} against M = 1 (async steps are whole 4 + 4 batches like M = 1)" if m1 else "")
           + ". For comparison, async with 2 workers was 6.68 below one process on the CamVid protocol "
           "(section \"CamVid 1/8 with the ImageNet encoder\", seed 0)."]
    if len(asyn["curve"]) > 1 and len(m2["curve"]) > 1:
        out.append(f"Its shape is the CamVid run's: level after the warm-up (student {asyn['curve'][0][1]:.2f} vs {m2['curve'][0][1]:.2f}), "
                   f"then the teacher falls in the first semi-supervised epoch ({asyn['curve'][1][1]:.2f} vs {m2['curve'][1][1]:.2f}) "
                   f"and does not recover by the end. On this same config the section \"Cluster (issue 5 §7)\" measured 2 async "
                   "workers at 59.5 and 59.7 against 60.0 in one process (builds 613f9d7 and 89abeda, before the teacher-eval "
                   "merge, the worker's local teacher step and the sync-mode changes); what moved async since is not measured here.")
    return out


def synthetic_scope(protocol, found):
    return ["**The CamVid protocol (`configs/camvid-1-8-pretrained.yaml`) was not run in this session:** one run of it takes about "
            "1 h on these 2 shared cores (45-90 min measured above), and the comparison needs at least three (one process with "
            "M = 2, one with M = 1, 2 sync workers), so the accuracy of sync mode on CamVid is still to be measured; these runs "
            "were done on the synthetic scenes at their full length instead."]


# The earlier full-length CamVid runs, seed 0 (section "CamVid 1/8 with the ImageNet encoder", M = 1):
# per-epoch val mIoU of u2pl train and of 2 async workers through one u2pl-silo, and their final figures at step 810.
CAMVID_EARLIER = {"one process": [34.88, 39.03, 37.97, 41.61, 44.54, 45.45, 46.83, 48.21, 49.3, 48.74],
                  "2 async workers": [34.68, 36.27, 23.28, 30.11, 37.47, 38.31, 38.43, 40.63, 41.88, 42.06]}


def camvid_async(asyn, m2, m1):
    """Async against this session's one-process runs, epoch by epoch, and against the earlier full-length runs at the same step."""
    reference = m1 or m2
    name = "M = 1" if m1 else "M = 2"
    out = [f"**2 async workers: {signed((asyn['final'] - m2['final']) * 100)} points against one process with M = 2** ({pct(asyn['final'])})"
           + (f", {signed((asyn['final'] - m1['final']) * 100)} against M = 1 (async steps are whole 4 + 4 batches like M = 1)" if m1 else "") + "."]
    epochs = min(len(asyn["curve"]), len(reference["curve"]))
    if epochs:
        pairs = ", ".join(f"{a[1]:.2f}{'s' if a[0] == 'student' else ''} vs {b[1]:.2f}" for a, b in zip(asyn["curve"], reference["curve"]))
        out.append(f"Epoch by epoch against one process with {name}: {pairs}.")
        earlier_async, earlier_one = CAMVID_EARLIER["2 async workers"][epochs - 1], CAMVID_EARLIER["one process"][epochs - 1]
        gap, earlier_gap = asyn["curve"][epochs - 1][1] - reference["curve"][epochs - 1][1], earlier_async - earlier_one
        out.append(f"At the same point (epoch {epochs}) the earlier full-length runs of section \"CamVid 1/8 with the ImageNet encoder\" "
                   f"(seed 0, older builds; one process on 2 libtorch threads, the 2 async workers × 1 thread through one `u2pl-silo`) stood at {earlier_async:.2f} (2 async workers) vs "
                   f"{earlier_one:.2f} (one process), {signed(earlier_gap)} points; here the gap is {signed(gap)}. "
                   "That earlier async run ended 6.68 below one process at step 810 (42.06 vs 48.74).")
    return out


# What the M = 2 collapse was, found after the runs by resuming from their checkpoints (2026-12-05, `u2pl train --resume`
# from the step-162 checkpoints of M = 1 and M = 2 runs reproduced bit for bit, `u2pl eval` of checkpoints with swapped BN
# buffers, and a probe of one batch's gradient against two micro-batches' mean on the same weights).
CAMVID_M2_CAUSE = (
    "**Why M = 2 fell, investigated after these runs:** not the micro-batching's combination (Ls, Lu with λu, Lc and γt are "
    "each normalised per micro-batch and averaged, as DDP does; λu, the reliable share and the learning rate were identical "
    "in both runs; the BN deltas, the EMA and the random streams checked out), but **BatchNorm over micro-batches of 2 labeled "
    "images during the warm-up**. Resuming the M = 2 warm-up's checkpoint (step 162) with M = 1 still collapsed (teacher "
    "23.97 at step 178, Lu 4.25 at the first semi step against 1.12), and the M = 1 warm-up's with M = 2 did not (35.54): "
    "the state after the warm-up decides. The M = 2 student had drifted from its ImageNet start about twice as far in the "
    "encoder and 4× in the ASPP image-pooling conv (relative distance 0.181 against 0.042); on the same weights and 4 labeled "
    "images, the mean gradient of two 2-image micro-batches was 3.9× one batch's for that conv and 2.0–2.75× for the encoder "
    "layers, and 1.01× / 1.25× with the image-pooling BatchNorm (`decoder.aspp.conv1.2`) in eval mode: over 2 images it "
    "normalises 2 values a channel to ±1 and its gradient grows up to 1/(2√ε). The first semi step's pseudo-labels come "
    "from the student's weights with the teacher's warm-up BN statistics (as the official code), which fit the drifted "
    "M = 2 weights badly: as a pseudo-labeler 12.87 mIoU / 27 % pixel accuracy against 28.15 / 63 % for M = 1. The official "
    "code also computes 2 images a GPU, but with SyncBN (its config's `sync_bn: True`), whose statistics span the whole "
    "batch; micro-batching reproduces DDP without SyncBN. `u2pl train` and `run start` now warn when a pretrained encoder "
    "meets micro-batches under 4 labeled images (README, trainer.micro_batches); BN statistics synchronised across a "
    "step's micro-batches, the faithful fix, are not built.")


def camvid_scope(protocol, found):
    steps, missing = protocol["max_steps"], [label for name, (label, _, _) in protocol["runs"].items() if name not in found]
    out = []
    m2, m1 = found.get("train-m2"), found.get("train-m1")
    if m2:
        earlier = CAMVID_EARLIER["one process"]
        pairs = ", ".join(f"{v:.2f}{'s' if m == 'student' else ''} vs {e:.2f}" for (m, v), e in zip(m2["curve"], earlier))
        out.append(f"**One process with M = 2 against the earlier full-length one-process run** (section \"CamVid 1/8 with the "
                   f"ImageNet encoder\", seed 0, M = 1, 2 libtorch threads, an older build), epoch by epoch: {pairs}; the earlier 2 async "
                   f"workers' run stood at {', '.join(f'{v:.2f}' for v in CAMVID_EARLIER['2 async workers'][:len(m2['curve'])])} there."
                   + ("" if m1 else " Without this session's M = 1 run, how much of the difference is M and how much the build or "
                      "the thread count is not separated here."))
    if m2 and m1 and m1["final"] - m2["final"] > 0.05:
        out.append(CAMVID_M2_CAUSE)
    if steps < protocol["steps"]:
        out.append(f"**These are the protocol's first {steps} of 810 steps, not the full protocol:** a full run takes about 1 h on these "
                   "2 shared cores and 3-4 of them did not fit the session; the figures are the val mIoU after epoch "
                   f"{steps // protocol['steps_per_epoch']} of 10 (the schedules span the 10 epochs, so these are the full runs' first "
                   f"{steps} steps), and how the comparison reads at step 810 is still to be measured.")
    if missing:
        out.append(f"**Not run in this session (out of time; the invocation was stopped after the runs above):** {'; '.join(missing)}. "
                   "The same command runs only those (a finished run is kept and not run again).")
    return out


PROTOCOLS = {
    "synthetic": {"config": "configs/synthetic.yaml", "out": "sync-accuracy", "runs": SYNTHETIC_RUNS, "steps": 212,
                  "steps_per_epoch": 53, "describe": synthetic_protocol,
                  "read_async": synthetic_async, "read_scope": synthetic_scope,
                  "heading": "## Sync mode accuracy on the synthetic scenes (issue 20): 2 sync workers vs one process, M = 2 vs M = 1, async beside"},
    "camvid": {"config": "configs/camvid-1-8-pretrained.yaml", "out": "sync-accuracy-camvid", "runs": CAMVID_RUNS, "steps": 810,
               "steps_per_epoch": 81, "describe": camvid_protocol,
               "read_async": camvid_async, "read_scope": camvid_scope,
               "heading": "## Sync mode accuracy on CamVid 1/8 pretrained (issue 20): 2 sync workers vs one process, M = 2 vs M = 1, async beside"},
}
