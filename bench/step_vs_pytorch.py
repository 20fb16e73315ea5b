#!/usr/bin/python3
"""Runs `u2pl bench step` and bench/torch_step.py alternately, in one invocation, and writes the figures to RESULTS.md.

Usage (from the repository root, after ./build.sh):
  /usr/bin/python3 bench/step_vs_pytorch.py [--rounds 5] [--steps 20] [--flat-steps 200] [--u2pl PATH]
      [--peer PATH [--peer-label TEXT] [--peer-env KEY=VALUE ...]] [--arch resnet18|resnet50 ...] [--results PATH]

For each configuration, each round runs ours then PyTorch's (same architecture, batch, threads, input size) as fresh
processes; the figures are medians over rounds of each run's median step time and of each run's peak RSS. A last run
of ours with --flat-steps steps records whether resident memory and the live tensor count stay flat (0 skips it).

--peer adds a third process to every round, run between ours and PyTorch's: another `u2pl` binary with the same
`bench step` flags, e.g. a build of an earlier commit (issue 11 compares the previous libtorch binding this way), or
the same binary with other settings given by --peer-env (e.g. OMP_WAIT_POLICY=PASSIVE). Its table columns are
peer ms/step, peer / PyTorch and peer peak RSS.
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


def run(command, env=None):
    result = subprocess.run(command, capture_output=True, text=True, check=False,
                            env=dict(os.environ, **env) if env else None)
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
    parser.add_argument("--peer", help="a second u2pl binary run in every round (see above)")
    parser.add_argument("--peer-label", default="peer")
    parser.add_argument("--peer-env", action="append", default=[], metavar="KEY=VALUE",
                        help="environment of the peer's runs only (repeatable)")
    parser.add_argument("--arch", action="append", choices=[c["arch"] for c in CONFIGS],
                        help="only these configurations (repeatable; default: all)")
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    args = parser.parse_args()
    peer_env = dict(item.split("=", 1) for item in args.peer_env)

    rows, engines = [], {}
    for config in [c for c in CONFIGS if not args.arch or c["arch"] in args.arch]:
        ours, peer, theirs = [], [], []
        for round_index in range(args.rounds):
            ours.append(run([args.u2pl, "bench", "step"] + flags(config, args.steps)))
            if args.peer:
                peer.append(run([args.peer, "bench", "step"] + flags(config, args.steps), peer_env))
            theirs.append(run(["/usr/bin/python3", os.path.join(ROOT, "bench", "torch_step.py")] + flags(config, args.steps)))
            peer_note = f", {args.peer_label} {peer[-1]['median_ms']} ms" if args.peer else ""
            print(f"{config['arch']} round {round_index + 1}: ours {ours[-1]['median_ms']} ms{peer_note}, "
                  f"pytorch {theirs[-1]['median_ms']} ms (peak RSS MB: ours {ours[-1]['peak_rss_mb']}"
                  f"{f', {args.peer_label} ' + str(peer[-1]['peak_rss_mb']) if args.peer else ''}, pytorch {theirs[-1]['peak_rss_mb']})",
                  file=sys.stderr)
        engines = {"ours": ours[0].get("libtorch"), "peer": peer[0].get("libtorch") if peer else None, "pytorch": theirs[0].get("torch")}
        ms_ours = statistics.median(r["median_ms"] for r in ours)
        ms_theirs = statistics.median(r["median_ms"] for r in theirs)
        rss_ours = statistics.median(r["peak_rss_mb"] for r in ours)
        rss_theirs = statistics.median(r["peak_rss_mb"] for r in theirs)
        paired = statistics.median(o["median_ms"] / t["median_ms"] for o, t in zip(ours, theirs))
        peer_row = None
        if peer:
            peer_row = (statistics.median(r["median_ms"] for r in peer),
                        statistics.median(p["median_ms"] / t["median_ms"] for p, t in zip(peer, theirs)),
                        statistics.median(r["peak_rss_mb"] for r in peer))
        rows.append((config, ms_ours, ms_theirs, paired, rss_ours, rss_theirs, ours[0]["total_params"], theirs[0]["total_params"], peer_row))

    flat = run([args.u2pl, "bench", "step"] + flags(CONFIGS[0], args.flat_steps)) if args.flat_steps > 0 else None
    if flat:
        print(f"flat run: {json.dumps(flat)}", file=sys.stderr)
    write(args, rows, flat, engines)


def write(args, rows, flat, engines):
    options = ["--rounds", str(args.rounds), "--steps", str(args.steps), "--flat-steps", str(args.flat_steps)]
    if args.peer:
        options += ["--peer", args.peer, "--peer-label", args.peer_label] + [a for e in args.peer_env for a in ("--peer-env", e)]
    options += [a for arch in args.arch or [] for a in ("--arch", arch)]
    command = "/usr/bin/python3 bench/step_vs_pytorch.py " + shlex.join(options)
    peer_engine = f", {args.peer_label}: libtorch {engines['peer']}" if args.peer else ""
    peer_head = f" {args.peer_label} ms/step | {args.peer_label} / PyTorch (paired) | {args.peer_label} peak RSS MB |" if args.peer else ""
    lines = [
        "## Supervised training step: `u2pl bench step` vs PyTorch",
        "",
        f"Command: `{command}` ({datetime.now(timezone.utc):%Y-%m-%d}, {os.cpu_count()} cores, ours: libtorch {engines['ours']}"
        f"{peer_engine}, PyTorch {engines['pytorch']}; CPU, "
        f"{args.rounds} alternating rounds of {args.steps} timed steps after 3 warm-up steps; medians over rounds).",
        "",
        "| model | batch × size | threads | ours ms/step | PyTorch ms/step | ratio (median of paired) | ours peak RSS MB | PyTorch peak RSS MB | RSS ratio |"
        + peer_head + " params (ours / PyTorch) |",
        "|---|---|---|---|---|---|---|---|---|" + ("---|---|---|" if args.peer else "") + "---|",
    ]
    for config, ms_o, ms_t, paired, rss_o, rss_t, p_o, p_t, peer_row in rows:
        peer_cells = ""
        if peer_row:
            ms_p, paired_p, rss_p = peer_row
            peer_cells = f" {ms_p:.1f} | {ms_p / ms_t:.3f} ({paired_p:.3f}) | {rss_p:.0f} |"
        lines.append(f"| {config['arch']} OS{config['os']} | {config['batch']} × {config['size']}² | {config['threads']} | "
                     f"{ms_o:.1f} | {ms_t:.1f} | {ms_o / ms_t:.3f} ({paired:.3f}) | {rss_o:.0f} | {rss_t:.0f} | {rss_o / rss_t:.3f} |"
                     f"{peer_cells} {p_o:,} / {p_t:,} |")
    lines.append("")
    if flat:
        lines += [
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
