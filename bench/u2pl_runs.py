"""Runs `u2pl train --json` for the accuracy benchmarks and keeps each finished run's result beside its checkpoints."""
import json
import os
import shlex
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def train(u2pl, config, name, snapshot_dir, sets):
    """Trains once: a run that finished earlier (its result.json exists) is read back instead of being run again."""
    cached = os.path.join(snapshot_dir, "result.json")
    if os.path.exists(cached):
        with open(cached) as f:
            result = json.load(f)
        print(f"{name}: mIoU {result['miou'] * 100:.2f} (finished earlier, {cached})", file=sys.stderr)
        return result
    command = [u2pl, "train", "--config", config, "--json"] + \
        [a for s in sets + [f"saver.snapshot_dir={snapshot_dir}"] for a in ("--set", s)]
    print(f"{name}: {shlex.join(command)}", file=sys.stderr)
    start = time.time()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"{name} failed ({result.returncode}): {shlex.join(command)}\n{result.stderr}")
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    evals = [line["eval"] for line in lines if line["type"] == "eval"]
    steps = [line["step"] for line in lines if line["type"] == "step"]
    minutes = (time.time() - start) / 60
    print(f"{name}: mIoU {evals[-1]['miou'] * 100:.2f} after {len(steps)} steps in {minutes:.1f} min", file=sys.stderr)
    result = {"name": name, "miou": evals[-1]["miou"], "model": evals[-1]["model"], "steps": len(steps),
              "minutes": minutes, "curve": [round(e["miou"] * 100, 2) for e in evals]}
    with open(cached, "w") as f:
        json.dump(result, f)
    return result


def mean_sd(values, signed=False):
    mean = f"{statistics.mean(values):{'+' if signed else ''}.2f}"
    return f"{mean} ± {statistics.stdev(values):.2f}" if len(values) > 1 else mean
