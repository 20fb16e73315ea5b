#!/usr/bin/python3
"""Runs `u2pl bench step` and bench/torch_step.py alternately, in one invocation, and writes the figures to RESULTS.md.

Usage (from the repository root, after ./build.sh):
  /usr/bin/python3 bench/step_vs_pytorch.py [--rounds 5] [--steps 20] [--flat-steps 200] [--u2pl PATH]

For each configuration, each round runs ours then PyTorch's (same architecture, batch, threads, input size) as fresh
processes; the figures are medians over rounds of each run's median step time and of each run's peak RSS. A last run
of ours with --flat-steps steps records whether resident memory and the live tensor count stay flat.
"""
import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_md import replace_section  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIGS = [
    {"arch": "resnet18", "os": 8, "batch": 4, "size": 128, "threads": 2},
    {"arch": "resnet50", "os": 8, "batch": 4, "size": 128, "threads": 2},
]


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {shlex.join(command)}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def flags(config, steps):
    return ["--arch", config["arch"], "--os", str(config["os"]), "--batch", str(config["batch"]), "--size", str(config["size"]),
            "--threads", str(config["threads"]), "--steps", str(steps), "--json"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--flat-steps", type=int, default=200)
    parser.add_argument("--u2pl", default=os.path.join(ROOT, "Client", "bin", "Release", "net10.0", "u2pl"))
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = parser.parse_args()

    rows = []
    for config in CONFIGS:
        ours, theirs = [], []
        for round_index in range(args.rounds):
            ours.append(run([args.u2pl, "bench", "step"] + flags(config, args.steps)))
            theirs.append(run(["/usr/bin/python3", os.path.join(ROOT, "bench", "torch_step.py")] + flags(config, args.steps)))
            print(f"{config['arch']} round {round_index + 1}: ours {ours[-1]['median_ms']} ms, pytorch {theirs[-1]['median_ms']} ms",
                  file=sys.stderr)
        ms_ours = statistics.median(r["median_ms"] for r in ours)
        ms_theirs = statistics.median(r["median_ms"] for r in theirs)
        rss_ours = statistics.median(r["peak_rss_mb"] for r in ours)
        rss_theirs = statistics.median(r["peak_rss_mb"] for r in theirs)
        paired = statistics.median(o["median_ms"] / t["median_ms"] for o, t in zip(ours, theirs))
        rows.append((config, ms_ours, ms_theirs, paired, rss_ours, rss_theirs, ours[0]["total_params"], theirs[0]["total_params"]))

    flat = run([args.u2pl, "bench", "step"] + flags(CONFIGS[0], args.flat_steps))
    write(args, rows, flat)


def write(args, rows, flat):
    command = "/usr/bin/python3 bench/step_vs_pytorch.py " + shlex.join(
        ["--rounds", str(args.rounds), "--steps", str(args.steps), "--flat-steps", str(args.flat_steps)])
    lines = [
        "## Supervised training step: `u2pl bench step` vs PyTorch",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d}, {os.cpu_count()} cores, libtorch 1.13.1 CPU, "
        f"{args.rounds} alternating rounds of {args.steps} timed steps after 3 warm-up steps; medians over rounds).",
        "",
        "| model | batch × size | threads | ours ms/step | PyTorch ms/step | ratio (median of paired) | ours peak RSS MB | PyTorch peak RSS MB | RSS ratio | params (ours / PyTorch) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for config, ms_o, ms_t, paired, rss_o, rss_t, p_o, p_t in rows:
        lines.append(f"| {config['arch']} OS{config['os']} | {config['batch']} × {config['size']}² | {config['threads']} | "
                     f"{ms_o:.1f} | {ms_t:.1f} | {ms_o / ms_t:.3f} ({paired:.3f}) | {rss_o:.0f} | {rss_t:.0f} | {rss_o / rss_t:.3f} | {p_o:,} / {p_t:,} |")
    lines += [
        "",
        f"Memory over {flat['steps']} steps of ours ({CONFIGS[0]['arch']}, same settings): resident "
        f"{flat['rss_after_warmup_mb']} MB after warm-up, {flat['rss_end_mb']} MB at the end, slope over the second half "
        f"{flat['rss_growth_mb_per_100_steps']} MB per 100 steps; live native tensors {flat['live_tensors_after_warmup']} after "
        f"warm-up, {flat['live_tensors_end']} at the end.",
        "",
    ]
    section = "\n".join(lines)
    replace_section(args.results, section)
    print(section)


if __name__ == "__main__":
    main()
