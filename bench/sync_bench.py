"""Issue 20: sync mode (cluster.mode: sync) measured with the real processes, on bench/cluster_bench.py's machinery.

Parts (peers alternate round by round; medians and ratios come from one invocation):
  throughput  `u2pl train` (trainer.threads 1) vs 1 sync worker × 1 thread vs 2 sync workers × 1 thread, batch 4 + 4
              cut into trainer.micro_batches M = 2 (with 2 workers each takes one micro-batch a step); one silo with
              2 GPU slots. The 2-worker runs time twice as many steps (as cluster_bench's async scaling part).
  wide        the same without `u2pl train` at batch 8 + 8, M = 4 (--wide-rounds)
  scale       `run scale` 1 → 2 on a sync run (batch 4, M = 2): to the new worker's `joined` event (its first accepted
              micro-batch), to the first status showing it with steps > 0, and to the status where that step is applied
  kill        SIGKILL of a worker silo of a 2-worker sync run (Redis membership, a state silo, two gpu silos): to the
              run's iteration moving again
  async       cluster_bench's async scaling part (2 × 1 vs 1 × 1, batch 4), for comparison (--async-rounds, 0: skipped)
Barrier wait (throughput and wide): per complete step, the workers' seconds waiting for the step to open and seconds
computing its micro-batches (the run status' micro_batch_assignments, each step seen while it is among the last 4),
and the status' own barrier_wait_share (a mean over its last 8 complete steps), over the timed steps.

  flock /tmp/u2pl-bench.lock /usr/bin/python3 bench/sync_bench.py --rounds 2 --json /tmp/sync.json --markdown bench/RESULTS.md
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cluster_bench import (REPO, Binaries, Shape, alternate, cluster_round, load, measure_kill,  # noqa: E402
                           measure_scale_latency, measure_scaling, median, single_round, slope, window)
from results_md import replace_section  # noqa: E402
from sync_bench_md import section  # noqa: E402

NARROW = Shape("sync", batch=4, micro_batches=2)
WIDE = Shape("sync", batch=8, micro_batches=4)


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().strip()


def barrier(watch, warmup, steps):
    """Sync mode's barrier figures over the timed steps [warmup, warmup + steps) of a finished run's statuses."""
    seen = {}
    for _, status in watch.statuses:
        for a in status.get("micro_batch_assignments", []):
            seen[(a["iteration"], a["micro_batch"])] = a
    m = watch.statuses[-1][1]["micro_batches"]
    timed = [[seen[(t, k)] for k in range(m)] for t in range(warmup, warmup + steps) if all((t, k) in seen for k in range(m))]
    waits = [sum(a["barrier_wait_seconds"] for a in step) for step in timed]
    computes = [sum(a["step_seconds"] for a in step) for step in timed]
    workers = sorted({a["worker_key"] for step in timed for a in step})
    uneven = sum(1 for step in timed if uneven_split(step, workers))
    in_window = [s for _, s in watch.statuses if warmup + 8 <= s["iteration"] <= warmup + steps]
    last = {}
    for _, status in watch.statuses:
        if status["iteration"] <= warmup + steps:
            for w in status["workers"]:
                last[w["worker_key"]] = w
    joined = [e["iteration"] for e in watch.events.values() if e["kind"] == "joined"]
    return {
        "steps_seen": len(timed),
        "wait_per_step_s": median(waits),
        "compute_per_step_s": median(computes),
        "micro_batch_s": median([a["step_seconds"] for step in timed for a in step]),
        "share_per_step": median([w / (w + c) for w, c in zip(waits, computes) if w + c > 0]),
        "share_pooled": sum(waits) / (sum(waits) + sum(computes)) if timed else float("nan"),
        "status_share": median([s["barrier_wait_share"] for s in in_window]),
        "status_wait_s": median([s["barrier_wait_seconds"] for s in in_window]),
        "uneven_steps": uneven,
        "wall_per_step_s": 1 / slope(window(watch.first_seen(), warmup, warmup + steps)),
        "workers": {k: {"barrier_wait_s": w["barrier_wait_seconds"], "micro_batch_s": w["step_seconds"], "steps": w["steps"],
                        "last_micro_batch": w["last_micro_batch"]} for k, w in sorted(last.items())},
        "last_joined_at": max(joined, default=None),
    }


def uneven_split(step, workers):
    """Whether the step's micro-batches were not spread evenly over the run's workers (one took more than its share)."""
    counts = [sum(a["worker_key"] == w for a in step) for w in workers]
    return max(counts) - min(counts) > (1 if len(step) % len(workers) else 0)


def busy_cores(seconds):
    """Cores the whole machine kept busy over the next `seconds` (/proc/stat)."""
    def sample():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        return sum(fields) - fields[3] - fields[4], sum(fields)
    b0, t0 = sample()
    time.sleep(seconds)
    b1, t1 = sample()
    return (b1 - b0) / max(1, t1 - t0) * os.cpu_count()


def when_quiet(measure, quiet, log):
    """Starts `measure` once the others keep at most quiet[0] cores busy over 5 s, waiting at most quiet[1] s (then anyway);
    records the wait. Linux shares the cores between sessions (autogroup): next to another busy session a silo with 2
    workers gets about one core, so a 2-worker figure taken then measures the neighbours."""
    if quiet is None:
        return measure
    limit, patience = quiet

    def gated():
        started, busy = time.time(), busy_cores(5)
        while busy > limit and time.time() - started < patience:
            busy = busy_cores(5)
        waited = time.time() - started
        if busy > limit:
            log(f"still {busy:.1f} busy cores after {waited:.0f} s: measuring anyway")
        return measure() | {"quiet_wait_s": waited, "busy_before": busy}
    return gated


def measure_throughput(bins, work, rounds, warmup, steps, shape, with_train, log, quiet=None):
    peers = [("1 worker", lambda: cluster_round(bins, work, 1, 1, 2, warmup, steps, shape=shape, extra=barrier)),
             ("2 workers", lambda: cluster_round(bins, work, 1, 2, 2, warmup, 2 * steps, shape=shape, extra=barrier))]
    if with_train:
        peers.insert(0, ("u2pl train", lambda: single_round(bins, work, 1, warmup, steps, shape=shape)))
    return alternate([(name, when_quiet(measure, quiet, log)) for name, measure in peers], rounds, log)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the throughput part")
    parser.add_argument("--wide-rounds", type=int, default=1, help="rounds of the batch 8, M = 4 part")
    parser.add_argument("--elastic-rounds", type=int, default=1)
    parser.add_argument("--async-rounds", type=int, default=0)
    parser.add_argument("--warmup", type=int, default=4, help="steps left out at the start of every run")
    parser.add_argument("--steps", type=int, default=15, help="timed steps per run (2 workers: twice as many)")
    parser.add_argument("--wide-steps", type=int, default=8)
    parser.add_argument("--parts", default="throughput,wide,scale,kill,async")
    parser.add_argument("--death-timeout", type=float, default=5)
    parser.add_argument("--lease-timeout", type=float, default=10)
    parser.add_argument("--quiet", default=None, help="CORES,SECONDS: start each throughput run once the machine keeps at most "
                        "CORES busy over 5 s, waiting at most SECONDS (see when_quiet)")
    parser.add_argument("--build", default=None, help="the Release binaries of this exported, built tree (cluster_bench's Binaries.copy)")
    parser.add_argument("--json", default=None)
    parser.add_argument("--markdown", default=None)
    parser.add_argument("--from-json", default=None, help="only write the section from earlier --json files (a comma list)")
    args = parser.parse_args()
    if args.from_json:
        invocations = []
        for path in args.from_json.split(","):
            with open(path) as f:
                invocations.append(json.load(f))
        write(invocations, args.markdown)
        return
    os.environ.setdefault("U2PL_CLUSTER_KEY", "cluster-bench-key-0123456789abcdef")
    work = tempfile.mkdtemp(prefix="u2pl-sbench-")
    bins = Binaries.copy(REPO, work, args.build)
    results = {"args": vars(args), "commit": bins.commit, "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "command": " ".join(["/usr/bin/python3", "bench/sync_bench.py"] + sys.argv[1:]), "loadavg_start": loadavg()}

    def log(line):
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    parts = args.parts.split(",")
    quiet = tuple(float(x) for x in args.quiet.split(",")) if args.quiet else None
    try:
        if "throughput" in parts and args.rounds:
            results["throughput"] = measure_throughput(bins, work, args.rounds, args.warmup, args.steps, NARROW, True, log, quiet)
        if "wide" in parts and args.wide_rounds:
            results["wide"] = measure_throughput(bins, work, args.wide_rounds, args.warmup, args.wide_steps, WIDE, False, log, quiet)
        if "scale" in parts and args.elastic_rounds:
            results["scale"] = measure_scale_latency(bins, work, args.elastic_rounds, log, shape=NARROW)
        if "kill" in parts and args.elastic_rounds:
            results["kill"] = measure_kill(bins, work, args.elastic_rounds, args.death_timeout, args.lease_timeout, log, shape=NARROW)
        if "async" in parts and args.async_rounds:
            results["async"] = measure_scaling(bins, work, args.async_rounds, args.warmup, args.steps, log)
    finally:
        results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        results["loadavg_end"] = loadavg()
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        shutil.rmtree(work, ignore_errors=True)
    write([results], args.markdown)


def write(invocations, markdown):
    text = section(invocations)
    print(text)
    if markdown:
        replace_section(markdown, text)


if __name__ == "__main__":
    main()
