#!/usr/bin/python3
"""Issue 15 §3 and §4: CamVid 1/8 with the ImageNet encoder, U2PL vs SupOnly over seeds, U2PL without Lc, and U2PL
through the cluster against the same run in one process.

Usage (from the repository root, after ./build.sh):
  /usr/bin/python3 bench/camvid_pretrained.py [--seeds 0,1,2] [--variants suponly,u2pl] [--no-lc-seeds 0]
                                              [--cluster-seeds 0] [--threads 1] [--out runs/camvid-pretrained]
                                              [--report-only]

Protocol: configs/camvid-1-8-pretrained.yaml as it is (10 epochs of 81 steps, sup_only_epoch 2, batch 4 + 4, 128²
crops); SupOnly is the same config with trainer.semi=false; U2PL without Lc adds trainer.contrastive.enabled=false.
The seed drives initialisation of the decoder, augmentation, sampling order and CutMix; the labeled split stays
split_seed 0. Evaluated model: the student for SupOnly, the EMA teacher for U2PL, on the 101 whole val images.
The cluster run starts its own u2pl-silo on loopback (--cluster local, role all, a GPU slot per worker; working
directory the repository root, so the config's relative paths read the same) and `u2pl run start --workers 2`, with
the threads split between the workers; its curve is the run's `evaluated` events.
Each finished run leaves result.json in its snapshot directory and is not run again, so the benchmark can be run in
parts (two invocations side by side, each with --threads 1, on different seeds or variants); every invocation rewrites
the section from all the results found under --out.
"""
import argparse
import glob
import json
import os
import shlex
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_md import replace_section  # noqa: E402
from u2pl_runs import mean_sd, train, train_on_cluster  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = "configs/camvid-1-8-pretrained.yaml"
HEADING = "## CamVid 1/8 with the ImageNet encoder: U2PL vs SupOnly over seeds (issue 15 §3)"
# The independent plain-PyTorch implementation of this protocol (issue 15), seed 0, eval-mode teacher.
REFERENCE = {"suponly": 49.0, "u2pl": 42.9}
VARIANTS = {
    "suponly": ("SupOnly", ["trainer.semi=false"]),
    "u2pl": ("U2PL", []),
    "u2pl-no-lc": ("U2PL without Lc", ["trainer.contrastive.enabled=false"]),
    "u2pl-cluster": ("U2PL, 2 workers through the cluster", []),
}
CLUSTER_WORKERS = 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--variants", default="suponly,u2pl")
    parser.add_argument("--no-lc-seeds", default="0")
    parser.add_argument("--cluster-seeds", default="0", help="seeds of the cluster parity run (§4): U2PL, 2 workers, one local silo")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads of a run; a cluster run's workers share them")
    parser.add_argument("--u2pl", default=os.path.join(ROOT, "Client", "bin", "Release", "net10.0", "u2pl"))
    parser.add_argument("--silo", default=os.path.join(ROOT, "Silo", "bin", "Release", "net10.0", "u2pl-silo"))
    parser.add_argument("--out", default=os.path.join(ROOT, "runs", "camvid-pretrained"))
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    parser.add_argument("--report-only", action="store_true", help="only rewrite the section from the results under --out")
    args = parser.parse_args()
    runs = [(int(seed), variant) for seed in args.seeds.split(",") if seed for variant in args.variants.split(",") if variant]
    runs += [(int(seed), "u2pl-no-lc") for seed in args.no_lc_seeds.split(",") if seed]
    runs += [(int(seed), "u2pl-cluster") for seed in args.cluster_seeds.split(",") if seed]
    for seed, variant in [] if args.report_only else runs:
        if variant not in VARIANTS:
            sys.exit(f"unknown variant '{variant}' (known: {', '.join(VARIANTS)})")
        name, sets = VARIANTS[variant]
        directory = os.path.join(args.out, f"{variant}-seed{seed}")
        if variant == "u2pl-cluster":
            threads = max(1, args.threads // CLUSTER_WORKERS)
            train_on_cluster(args.u2pl, args.silo, CONFIG, f"{name} seed {seed}", directory,
                             sets + [f"seed={seed}", f"cluster.worker_threads={threads}", f"trainer.threads={args.threads}"], CLUSTER_WORKERS)
        else:
            train(args.u2pl, CONFIG, f"{name} seed {seed}", directory, sets + [f"seed={seed}", f"trainer.threads={args.threads}"])
        write(args)
    write(args)


def results(out):
    """Every finished run under out, as {(variant, seed): result}."""
    found = {}
    for path in glob.glob(os.path.join(out, "*-seed*", "result.json")):
        variant, seed = os.path.basename(os.path.dirname(path)).rsplit("-seed", 1)
        with open(path) as f:
            found[(variant, int(seed))] = json.load(f)
    return found


def write(args):
    found = results(args.out)
    if not found:
        print(f"no finished run under {args.out}", file=sys.stderr)
        return
    seeds = sorted({seed for _, seed in found})
    pct = lambda r: r["miou"] * 100  # noqa: E731
    lines = [
        HEADING,
        "",
        "Command: `flock /tmp/u2pl-bench.lock /usr/bin/python3 bench/camvid_pretrained.py --seeds 0,1,2 --no-lc-seeds 0 --cluster-seeds 0 "
        "--threads 2`, which may be run in parts (a finished run is kept and not run again; the notes below say which",
        f"build and which invocation made each run). This section was written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by "
        f"`--seeds {shlex.quote(args.seeds)} --variants {shlex.quote(args.variants)} --no-lc-seeds {shlex.quote(args.no_lc_seeds)} "
        f"--cluster-seeds {shlex.quote(args.cluster_seeds)} --threads {args.threads}{' --report-only' if args.report_only else ''}` "
        f"({os.cpu_count()} cores; results under `{os.path.relpath(args.out, ROOT)}`).",
        "`configs/camvid-1-8-pretrained.yaml`: CamVid 180×240, 46 labeled (split_seed 0) + 321 unlabeled, DeepLabv3+ OS16 on",
        "the ImageNet ResNet-18 (3-block layer4) of Microsoft.ML.DnnImageFeaturizer.ResNet18, 128² crops (scale 0.75–1.5,",
        "flip), batch 4 + 4, SGD lr 0.01 poly, wd 5e-4, 10 epochs of 81 steps with a 2-epoch supervised warm-up; val = 101",
        "whole images; the student for SupOnly, the EMA teacher for U2PL. Epoch curves count epochs from 1.",
        "",
        "| seed | SupOnly | U2PL | U2PL − SupOnly | SupOnly per epoch | U2PL per epoch | minutes (SupOnly, U2PL) |",
        "|---|---|---|---|---|---|---|",
    ]
    cell = lambda r: f"{pct(r):.2f}" if r else "not run"  # noqa: E731
    curve = lambda r: ", ".join(map(str, r["curve"])) if r else ""  # noqa: E731
    minutes = lambda r: f"{r['minutes']:.1f}" if r else "—"  # noqa: E731
    for seed in seeds:
        sup, u2pl = found.get(("suponly", seed)), found.get(("u2pl", seed))
        margin = f"{pct(u2pl) - pct(sup):+.2f}" if sup and u2pl else ""
        lines.append(f"| {seed} | {cell(sup)} | {cell(u2pl)} | {margin} | {curve(sup)} | {curve(u2pl)} | {minutes(sup)}, {minutes(u2pl)} |")
    sups = [pct(found[("suponly", s)]) for s in seeds if ("suponly", s) in found]
    u2pls = [pct(found[("u2pl", s)]) for s in seeds if ("u2pl", s) in found]
    margins = [pct(found[("u2pl", s)]) - pct(found[("suponly", s)]) for s in seeds if ("u2pl", s) in found and ("suponly", s) in found]
    lines.append(f"| **mean ± sd** (n = {len(sups)}, {len(u2pls)}) | **{mean_sd(sups) if sups else '—'}** | "
                 f"**{mean_sd(u2pls) if u2pls else '—'}** | {mean_sd(margins, signed=True) if margins else ''} | | | |")
    lines.append("")
    notes = [f"- {v} seed {s}: {r['note']}" for (v, s), r in sorted(found.items()) if r.get("note")]
    if notes:
        lines += notes + [""]
    fidelity = []
    for variant, reference in REFERENCE.items():
        if (variant, 0) in found:
            ours = pct(found[(variant, 0)])
            verdict = "within" if abs(ours - reference) <= 1.5 else "outside"
            fidelity.append(f"{VARIANTS[variant][0]} {ours:.2f} vs {reference} ({ours - reference:+.1f}, {verdict} 1.5)")
        else:
            fidelity.append(f"{VARIANTS[variant][0]} not run (reference {reference})")
    lines += [f"Fidelity, seed 0, against the independent PyTorch implementation: {'; '.join(fidelity)}.", ""]
    no_lc = [(s, r) for (v, s), r in sorted(found.items()) if v == "u2pl-no-lc"]
    if no_lc:
        lines += ["| seed | U2PL without Lc | vs SupOnly of that seed | vs U2PL of that seed | per epoch | minutes |", "|---|---|---|---|---|---|"]
        for seed, r in no_lc:
            versus = lambda v: f"{pct(r) - pct(found[(v, seed)]):+.2f}" if (v, seed) in found else "—"  # noqa: E731
            lines.append(f"| {seed} | {pct(r):.2f} | {versus('suponly')} | {versus('u2pl')} | {curve(r)} | {r['minutes']:.1f} |")
        lines.append("")
    cluster = [(s, r) for (v, s), r in sorted(found.items()) if v == "u2pl-cluster"]
    if cluster:
        lines += [f"Cluster parity (§4): the same protocol through one local `u2pl-silo` (role all) with {CLUSTER_WORKERS} workers × "
                  f"{max(1, args.threads // CLUSTER_WORKERS)} thread, same budget in samples ({cluster[0][1]['steps']} iterations of 4 + 4 images), "
                  "against `u2pl train` in one process; required within 1.5 points.", "",
                  "| seed | one process | 2 workers through the cluster | difference | verdict | cluster per epoch | minutes (one process, cluster) |",
                  "|---|---|---|---|---|---|---|"]
        for seed, r in cluster:
            single = found.get(("u2pl", seed))
            difference = pct(r) - pct(single) if single else None
            verdict = ("within 1.5" if abs(difference) <= 1.5 else "outside 1.5") if single else "no single-process run"
            lines.append(f"| {seed} | {cell(single)} | {pct(r):.2f} | {f'{difference:+.2f}' if single else '—'} | {verdict} | "
                         f"{curve(r)} | {minutes(single)}, {r['minutes']:.1f} |")
        lines.append("")
    section = "\n".join(lines)
    replace_section(args.results, section)
    print(section)


if __name__ == "__main__":
    main()
