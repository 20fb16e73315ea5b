#!/usr/bin/python3
"""Does U2PL's gain over SupOnly appear when unlabeled images are plentiful? (DESIGN §9)

Usage (from the repository root, after ./build.sh):
  /usr/bin/python3 bench/synthetic_pool_accuracy.py [--labeled 10] [--pools 40,1000] [--steps 500] [--seeds 0]

configs/synthetic.yaml (procedural street scenes, 8 classes, ResNet-18 DeepLabv3+ OS16 from random init, 96×96 crops,
batch 4 + 4) with --labeled labeled scenes and, per pool size in --pools, that many unlabeled ones. Every run takes
--steps steps from random init: SupOnly all supervised, U2PL the first half as its supervised warm-up. An epoch is
pool / 4 steps, so the epoch count follows the pool. val: the config's 60 scenes; evaluated model: the student for
SupOnly, the EMA teacher for U2PL. Finished runs are kept (runs/synthetic-pool-bench/*/result.json) and not repeated.
"""
import argparse
import os
import shlex
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_md import replace_section  # noqa: E402
from u2pl_runs import mean_sd, train  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = "configs/synthetic.yaml"
BATCH = 4


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--labeled", type=int, default=10)
    parser.add_argument("--pools", default="40,1000", help="unlabeled pool sizes, each a multiple of the batch (4)")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--u2pl", default=os.path.join(ROOT, "Client", "bin", "Release", "net10.0", "u2pl"))
    parser.add_argument("--out", default=os.path.join(ROOT, "runs", "synthetic-pool-bench"))
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = parser.parse_args()
    rows = []
    for pool in [int(p) for p in args.pools.split(",")]:
        steps_per_epoch = pool // BATCH
        epochs, remainder = divmod(args.steps, steps_per_epoch)
        if remainder or epochs % 2:
            sys.exit(f"--steps {args.steps} is not an even number of epochs of {steps_per_epoch} steps (pool {pool})")
        sets = ["trainer.threads=2", "saver.every_steps=0", f"dataset.labeled={args.labeled}",
                f"dataset.synthetic.train_count={args.labeled + pool}", f"trainer.epochs={epochs}",
                f"trainer.sup_only_epoch={epochs // 2}", f"trainer.eval_every={epochs // 2}"]
        for seed in [int(s) for s in args.seeds.split(",")]:
            run = f"{args.out}/pool{pool}-seed{seed}"
            sup = train(args.u2pl, CONFIG, f"SupOnly pool {pool} seed {seed}", f"{run}-suponly",
                        sets + [f"seed={seed}", "trainer.semi=false"])
            u2pl = train(args.u2pl, CONFIG, f"U2PL pool {pool} seed {seed}", f"{run}-u2pl", sets + [f"seed={seed}"])
            rows.append((pool, seed, sup, u2pl))
            write(args, rows)


def write(args, rows):
    command = "/usr/bin/python3 bench/synthetic_pool_accuracy.py " + shlex.join(
        ["--labeled", str(args.labeled), "--pools", args.pools, "--steps", str(args.steps), "--seeds", args.seeds])
    total = sum(r["minutes"] for _, _, sup, u2pl in rows for r in (sup, u2pl))
    lines = [
        "## U2PL vs SupOnly as the unlabeled pool grows (synthetic scenes)",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d}, {os.cpu_count()} cores; {total:.0f} min for all runs).",
        f"configs/synthetic.yaml with {args.labeled} labeled scenes and the unlabeled pool below; every run {args.steps} "
        "steps from random init, batch 4 (+4 unlabeled), 96×96 crops; U2PL's first half is its supervised warm-up.",
        "val: 60 scenes; evaluated model: the student for SupOnly, the EMA teacher for U2PL (at the half, the student).",
        "",
        "| unlabeled pool | seed | SupOnly (half, end) | U2PL (half, end) | U2PL − SupOnly | minutes (SupOnly, U2PL) |",
        "|---|---|---|---|---|---|",
    ]
    for pool, seed, sup, u2pl in rows:
        lines.append(f"| {pool} ({pool // args.labeled}× labeled) | {seed} | {', '.join(map(str, sup['curve']))} | "
                     f"{', '.join(map(str, u2pl['curve']))} | {(u2pl['miou'] - sup['miou']) * 100:+.2f} | "
                     f"{sup['minutes']:.1f}, {u2pl['minutes']:.1f} |")
    for pool in sorted({pool for pool, *_ in rows}):
        margins = [(u2pl["miou"] - sup["miou"]) * 100 for p, _, sup, u2pl in rows if p == pool]
        if len(margins) > 1:
            lines.append(f"| {pool}: mean ± sd of the margin | | | | **{mean_sd(margins, signed=True)}** | |")
    lines.append("")
    section = "\n".join(lines)
    replace_section(args.results, section)
    print(section)


if __name__ == "__main__":
    main()
