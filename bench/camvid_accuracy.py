#!/usr/bin/python3
"""CamVid accuracy benchmark: U2PL vs SupOnly (and U2PL without Lc), with `u2pl train` on configs/camvid-1-8.yaml.

Usage (from the repository root, after ./build.sh):
  /usr/bin/python3 bench/camvid_accuracy.py [--base-epochs 10 | --base CHECKPOINT] [--more-epochs 5]
                                            [--seeds 0,1,2] [--no-lc-seeds 0] [--u2pl PATH]

Protocol (DESIGN §9): from random init and this short, the teacher's pseudo-labels are poor when the unsupervised losses
start, so the method is compared where it is meant to work: every run continues from the same SupOnly model for the
same number of steps and batch (4 labeled, + 4 unlabeled for U2PL):
  1. base:    SupOnly for --base-epochs epochs (81 steps each: 321 unlabeled / 4) from random init, or --base, a
              SupOnly checkpoint made earlier (its making is part of the budget and is stated with the figures)
  2. per seed in --seeds (the seed drives augmentation, sampling and CutMix; the labeled split stays split_seed 0):
     SupOnly: base + --more-epochs epochs of SupOnly
     U2PL:    base + --more-epochs epochs of U2PL (no warm-up: the model is trained), Lc on
  3. per seed in --no-lc-seeds: U2PL without Lc (trainer.contrastive.enabled=false)
val mIoU is that of the evaluated model after the last step (student for SupOnly, EMA teacher for U2PL).
Each finished run writes result.json in its snapshot directory and is not run again (delete the directory to redo it),
so an interrupted invocation continues where it stopped.
"""
import argparse
import json
import os
import shlex
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_md import replace_section  # noqa: E402
from u2pl_runs import mean_sd, train  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = "configs/camvid-1-8.yaml"
HEADING = "## CamVid accuracy over seeds: U2PL vs SupOnly"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-epochs", type=int, default=10)
    parser.add_argument("--base", help="a SupOnly checkpoint to continue from instead of training a base")
    parser.add_argument("--more-epochs", type=int, default=5)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--no-lc-seeds", default="0")
    parser.add_argument("--u2pl", default=os.path.join(ROOT, "Client", "bin", "Release", "net10.0", "u2pl"))
    parser.add_argument("--out", default=os.path.join(ROOT, "runs", "camvid-bench"))
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",") if s]
    no_lc_seeds = [int(s) for s in args.no_lc_seeds.split(",") if s]
    common = ["trainer.threads=2", "saver.every_steps=0"]

    if args.base:
        base = {"name": "SupOnly base", "checkpoint": args.base, "miou": None, "steps": None, "minutes": 0.0}
    else:
        base = train(args.u2pl, CONFIG, "SupOnly base", f"{args.out}/base",
                     common + ["seed=0", f"trainer.epochs={args.base_epochs}", "trainer.semi=false",
                               f"trainer.eval_every={args.base_epochs}"])
        base["checkpoint"] = f"{args.out}/base"
    more = common + [f"trainer.epochs={args.more_epochs}", "trainer.sup_only_epoch=0",
                     f"net.init_from={base['checkpoint']}", "trainer.eval_every=1"]

    seeds_runs = []
    for seed in seeds:
        sup = train(args.u2pl, CONFIG, f"SupOnly seed {seed}", f"{args.out}/suponly-seed{seed}",
                    more + [f"seed={seed}", "trainer.semi=false"])
        u2pl = train(args.u2pl, CONFIG, f"U2PL seed {seed}", f"{args.out}/u2pl-seed{seed}", more + [f"seed={seed}"])
        seeds_runs.append((seed, sup, u2pl))
        write(args, base, seeds_runs, [])
    no_lc = [(seed, train(args.u2pl, CONFIG, f"U2PL without Lc seed {seed}", f"{args.out}/u2pl-no-lc-seed{seed}",
                          more + [f"seed={seed}", "trainer.contrastive.enabled=false"])) for seed in no_lc_seeds]
    write(args, base, seeds_runs, no_lc)


def base_miou(checkpoint):
    """The val mIoU a checkpoint was saved with: `<dir>/last.json` for a snapshot directory, `<name>.json` beside a file."""
    info = os.path.join(checkpoint, "last.json") if os.path.isdir(checkpoint) else os.path.splitext(checkpoint)[0] + ".json"
    with open(info) as f:
        return json.load(f)["last_miou"]


def write(args, base, seeds_runs, no_lc):
    options = ["--more-epochs", str(args.more_epochs), "--seeds", args.seeds, "--no-lc-seeds", args.no_lc_seeds]
    options = (["--base", os.path.relpath(args.base, ROOT)] if args.base else ["--base-epochs", str(args.base_epochs)]) + options
    command = "/usr/bin/python3 bench/camvid_accuracy.py " + shlex.join(options)
    runs = [r for _, sup, u2pl in seeds_runs for r in (sup, u2pl)] + [r for _, r in no_lc]
    total = base["minutes"] + sum(r["minutes"] for r in runs)
    steps = seeds_runs[0][1]["steps"]
    base_text = (f"the SupOnly checkpoint `{os.path.relpath(args.base, ROOT)}` (val mIoU {base_miou(args.base) * 100:.2f})" if args.base else
                 f"one SupOnly model trained {base['steps']} steps from random init (val mIoU {base['miou'] * 100:.2f})")
    lines = [
        HEADING,
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d}, {os.cpu_count()} cores; "
        f"{total:.0f} min for the runs of this invocation).",
        "CamVid 180×240, 46 of 367 train images labeled (drawn from the whole list, split_seed 0), 321 unlabeled, ResNet-18",
        "DeepLabv3+ OS16 from random init, 128×128 crops (scale 0.75–1.5, flip), batch 4 (+4 unlabeled), SGD lr 0.01 poly,",
        f"wd 5e-4; val = 101 images, whole. Every run continues for the same {steps} steps from {base_text}; the seed",
        "drives augmentation, sampling order and CutMix. Evaluated model: the student for SupOnly, the EMA teacher for U2PL.",
        "",
        "| seed | SupOnly | U2PL | U2PL − SupOnly | SupOnly per epoch | U2PL per epoch | minutes (SupOnly, U2PL) |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed, sup, u2pl in seeds_runs:
        lines.append(f"| {seed} | {sup['miou'] * 100:.2f} | {u2pl['miou'] * 100:.2f} | "
                     f"{(u2pl['miou'] - sup['miou']) * 100:+.2f} | {', '.join(map(str, sup['curve']))} | "
                     f"{', '.join(map(str, u2pl['curve']))} | {sup['minutes']:.1f}, {u2pl['minutes']:.1f} |")
    sups = [sup["miou"] * 100 for _, sup, _ in seeds_runs]
    u2pls = [u2pl["miou"] * 100 for _, _, u2pl in seeds_runs]
    margins = [u - s for s, u in zip(sups, u2pls)]
    lines.append(f"| **mean ± sd** | **{mean_sd(sups)}** | **{mean_sd(u2pls)}** | **{mean_sd(margins, signed=True)}** | | | |")
    lines.append("")
    if no_lc:
        lines += ["| seed | U2PL without Lc | vs SupOnly of that seed | vs U2PL of that seed | per epoch | minutes |",
                  "|---|---|---|---|---|---|"]
        by_seed = {seed: (sup, u2pl) for seed, sup, u2pl in seeds_runs}
        for seed, r in no_lc:
            sup, u2pl = by_seed[seed]
            lines.append(f"| {seed} | {r['miou'] * 100:.2f} | {(r['miou'] - sup['miou']) * 100:+.2f} | "
                         f"{(r['miou'] - u2pl['miou']) * 100:+.2f} | {', '.join(map(str, r['curve']))} | {r['minutes']:.1f} |")
        lines.append("")
    section = "\n".join(lines)
    replace_section(args.results, section)
    print(section)


if __name__ == "__main__":
    main()
