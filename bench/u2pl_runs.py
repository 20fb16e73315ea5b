"""Runs `u2pl train --json` for the accuracy benchmarks and keeps each finished run's result beside its checkpoints."""
import json
import os
import shlex
import statistics
import subprocess
import sys
import time
import types

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def finished_earlier(name, snapshot_dir):
    """The result a finished run left in its snapshot directory, or None."""
    cached = os.path.join(snapshot_dir, "result.json")
    if not os.path.exists(cached):
        return None
    with open(cached) as f:
        result = json.load(f)
    print(f"{name}: mIoU {result['miou'] * 100:.2f} (finished earlier, {cached})", file=sys.stderr)
    return result


def train(u2pl, config, name, snapshot_dir, sets):
    """Trains once: a run that finished earlier (its result.json exists) is read back instead of being run again."""
    finished = finished_earlier(name, snapshot_dir)
    if finished:
        return finished
    cached = os.path.join(snapshot_dir, "result.json")
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


def train_on_cluster(u2pl, silo, config, name, snapshot_dir, sets, workers):
    """The same run through the cluster: one local u2pl-silo (role all, one GPU slot per worker) started here, then
    `u2pl run start --workers N`, followed until the run ends; the run's `evaluated` events give the curve. A finished
    run (its result.json exists) is read back instead of being run again."""
    from cluster_bench import Cluster, Watch, client, read_events  # noqa: E402 (the silo and run helpers)

    bins = types.SimpleNamespace(client=u2pl, silo=silo)
    finished = finished_earlier(name, snapshot_dir)
    if finished:
        return finished
    cached = os.path.join(snapshot_dir, "result.json")
    os.makedirs(snapshot_dir, exist_ok=True)
    # The silo reads the config's relative paths from its own working directory: the repository root, as for u2pl train.
    sets = sets + [f"saver.snapshot_dir={snapshot_dir}"]
    start = time.time()
    with Cluster(bins, snapshot_dir, cwd=ROOT) as cluster:
        gateway = cluster.start_silo("all", workers)
        command = [u2pl, "run", "start", "--config", os.path.join(ROOT, config), "--workers", str(workers), "--cluster", gateway] + \
            [a for s in sets for a in ("--set", s)]
        print(f"{name}: {shlex.join(command)}", file=sys.stderr)
        run = client(bins, *command[1:]).splitlines()[-1]
        with Watch(bins, run, gateway) as watch:
            final = watch.wait(lambda s: s["is_finished"], 6 * 3600)
        if final["state"] != "completed":
            sys.exit(f"{name}: run {run} ended {final['state']}: {final.get('message')}\n{cluster.tail()}")
        evaluated = [e for e in read_events(bins, run, gateway) if e["kind"] == "evaluated"]
    minutes = (time.time() - start) / 60
    # "epoch 3: val mIoU 41.61 (teacher)"
    curve = [float(e["message"].split("val mIoU ")[1].split()[0]) for e in evaluated]
    model = evaluated[-1]["message"].rsplit("(", 1)[1].rstrip(")")
    print(f"{name}: mIoU {curve[-1]:.2f} after {final['iteration']} iterations in {minutes:.1f} min", file=sys.stderr)
    result = {"name": name, "miou": curve[-1] / 100, "model": model, "steps": final["iteration"], "minutes": minutes,
              "curve": curve, "run": run, "workers": workers}
    with open(cached, "w") as f:
        json.dump(result, f)
    return result
