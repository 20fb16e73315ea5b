"""Issue 22: one sync worker's step when the worker and the parameter server are on different silos (a `gpu` silo and a
`state` silo, Redis membership, plain TCP on loopback), the tensors over the data plane vs in Orleans messages
(`cluster.data_plane: false`), beside `u2pl train` on the same micro-batches. Batch 4 + 4 cut into M = 2, 1 thread.
Peers alternate round by round; medians and ratios come from one invocation.

  flock /tmp/u2pl-bench.lock /usr/bin/python3 bench/data_plane_step_bench.py --rounds 2 --json /tmp/dp-step.json
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_bench import (REPO, Binaries, Cluster, Redis, Shape, Watch, alternate, client, load, median,  # noqa: E402
                           single_round, slope, window, write_config)

SHAPE = Shape("sync", batch=4, micro_batches=2)


def split_round(bins, work, warmup, steps, data_plane):
    """A sync run of 1 worker × 1 thread on a gpu silo, its shards and banks on a state silo."""
    config = write_config(work, f"split-{'dp' if data_plane else 'orleans'}", 1, warmup + steps + 1, shape=SHAPE)
    if not data_plane:
        with open(config) as f:
            text = f.read()
        with open(config, "w") as f:
            f.write(text.replace("half_precision_wire: false }", "half_precision_wire: false, data_plane: false }"))
    with Redis() as redis, Cluster(bins, work, store=redis.uri) as cluster:
        gateway = cluster.start_silo("state", 0)
        cluster.start_silo("gpu", 1)
        run = client(bins, "run", "start", "--config", config, "--workers", "1", "--cluster", gateway).splitlines()[-1]
        with Watch(bins, run, gateway) as watch:
            final = watch.wait(lambda s: s["is_finished"], 900)
        if final["state"] != "completed":
            raise RuntimeError(f"run {run} ended {final['state']}: {final['message']}\n{cluster.tail()}")
        samples = [s for s in watch.worker_steps() if s["steps"] > warmup * SHAPE.micro_batches]
        moved = max((s.get("data_plane_bytes", 0) for _, s in watch.statuses), default=0)
        if data_plane != (moved > 0):
            raise RuntimeError(f"data_plane={data_plane} but the shards moved {moved} bytes over it")
        return {
            "images_per_s": slope(window(watch.first_seen(), warmup, warmup + steps)) * SHAPE.images_per_step,
            "bytes_per_step": statistics.mean([s["bytes_per_step"] for s in samples]) if samples else float("nan"),
            "communication_s": median([s["communication_seconds"] for s in samples]),
            "step_s": median([s["step_seconds"] for s in samples]),
            "data_plane_bytes": moved,
        }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=4)
    parser.add_argument("--steps", type=int, default=15)
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="u2pl-dpbench-")
    bins = Binaries.copy(REPO, work)

    def log(line):
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    started, load_start = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), load()
    results = alternate([
        ("u2pl train", lambda: single_round(bins, work, 1, args.warmup, args.steps, shape=SHAPE)),
        ("split, data plane", lambda: split_round(bins, work, args.warmup, args.steps, True)),
        ("split, Orleans messages", lambda: split_round(bins, work, args.warmup, args.steps, False)),
    ], args.rounds, log)
    rate = {name: [r["images_per_s"] for r in rounds] for name, rounds in results.items()}
    ratios = {
        "data_plane_vs_train": [d / t for d, t in zip(rate["split, data plane"], rate["u2pl train"])],
        "orleans_vs_train": [o / t for o, t in zip(rate["split, Orleans messages"], rate["u2pl train"])],
        "data_plane_vs_orleans": [d / o for d, o in zip(rate["split, data plane"], rate["split, Orleans messages"])],
    }
    summary = {"commit": bins.commit, "started": started, "load_start": load_start, "load_end": load(),
               "command": " ".join(["/usr/bin/python3", "bench/data_plane_step_bench.py"] + sys.argv[1:]),
               "results": results, "ratios": ratios, "medians": {k: median(v) for k, v in ratios.items()}}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=1)
    print(json.dumps({"medians": summary["medians"], "images_per_s": {k: median(v) for k, v in rate.items()}}))


if __name__ == "__main__":
    main()
