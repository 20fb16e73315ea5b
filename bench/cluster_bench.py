"""Issue 5 §7: the cluster measured with the real processes — u2pl-silo, the u2pl client, u2pl train.

Parts (each alternates its peers round by round and takes medians, because the 2-core machine is shared):
  overhead  one worker through the grains vs `u2pl train` in one process (same config, 2 threads), float32 and fp16 wire
  scaling   2 workers × 1 thread vs 1 worker × 1 thread on one silo with 2 GPU slots
  elastic   `run scale` 1 → 2 to the new worker's first accepted gradient; SIGKILL of a worker silo to progress again
            (a private redis-server for Orleans' membership, a state silo and two gpu silos)
Throughput = 8 images per iteration (4 labeled + 4 unlabeled, every step semi-supervised: sup_only_epoch 0) times the
least-squares slope of iteration over time, from the first time each iteration is seen: the trainer's step lines for
`u2pl train`, the run's pushed status (one a second) for the cluster, over iterations [warmup, last - 1] so that neither
start-up nor the final checkpoint and evaluation count.

These parts run `cluster.mode: async` (the bounded-staleness parameter server they were written for), given
explicitly since sync became the default; bench/sync_bench.py measures sync mode with the same machinery and a
`Shape` of its own (batch, trainer.micro_batches, mode).

  flock /tmp/u2pl-bench.lock /usr/bin/python3 bench/cluster_bench.py --rounds 3 --markdown bench/RESULTS.md
"""
import argparse
import datetime
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results_md import replace_section  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Shape:
    """What a step is: dataset.batch_size labeled + as many unlabeled images, cut into micro_batches, in cluster.mode."""

    def __init__(self, mode="async", batch=4, micro_batches=1):
        self.mode, self.batch, self.micro_batches = mode, batch, micro_batches

    @property
    def images_per_step(self):
        return 2 * self.batch

    def __repr__(self):
        return f"{self.mode}, batch {self.batch}, M={self.micro_batches}"


ASYNC = Shape()  # the shape every part of this script measured before sync mode existed

CONFIG = """seed: 0
dataset:
  type: synthetic
  synthetic: {{ train_count: 240, val_count: 8, height: 128, width: 160, seed: 0 }}
  labeled: 1/8
  split_seed: 0
  batch_size: {batch}
  workers: 1
  prefetch: 2
  train:
    rand_resize: [0.5, 2.0]
    flip: true
    crop: {{ type: rand, size: [96, 96] }}
  val: {{ mode: center }}
net: {{ arch: resnet18, output_stride: 16, ema_decay: 0.99 }}
trainer:
  epochs: 2
  sup_only_epoch: 0
  eval_every: 0
  threads: {threads}
  micro_batches: {micro_batches}
  max_iterations: {iterations}
  optimizer: {{ type: SGD, kwargs: {{ lr: 0.01, momentum: 0.9, weight_decay: 0.0005 }}, decoder_lr_multiplier: 1 }}
  lr_scheduler: {{ mode: poly, kwargs: {{ power: 0.9 }} }}
  unsupervised: {{ drop_percent: 80, apply_aug: cutmix, loss_weight: 1 }}
  contrastive:
    variant: paper
    loss: infonce
    low_rank: 3
    high_rank: 8
    current_class_threshold: 0.3
    num_queries: 50
    num_negatives: 256
    temperature: 0.5
    loss_weight: 0.1
    memory_bank: {{ capacity: 30000, background_capacity: 50000 }}
criterion: {{ type: ce }}
saver: {{ snapshot_dir: {runs}, every_steps: 0 }}
cluster: {{ mode: {mode}, shards: 2, worker_threads: {threads}, lease_timeout_seconds: {lease}, half_precision_wire: {half} }}
"""


# --- the processes -------------------------------------------------------------------------------------------------

class Binaries:
    """A private copy of the Release build, so that a rebuild by someone else mid-run changes nothing here."""

    def __init__(self, root, commit):
        self.silo = os.path.join(root, "silo", "u2pl-silo")
        self.client = os.path.join(root, "client", "u2pl")
        self.commit = commit

    @staticmethod
    def copy(repo, work, build=None):
        """From the repository's Release build, or from `build`: a tree exported with `git archive` and built apart,
        whose BUILT_FROM file holds the commit (so that others' uncommitted edits in the shared tree stay out)."""
        root = os.path.join(work, "bin")
        source = build or repo
        shutil.copytree(os.path.join(source, "Silo/bin/Release/net10.0"), os.path.join(root, "silo"), symlinks=True)
        shutil.copytree(os.path.join(source, "Client/bin/Release/net10.0"), os.path.join(root, "client"), symlinks=True)
        if build:
            with open(os.path.join(build, "BUILT_FROM")) as f:
                return Binaries(root, f.read().strip()[:7] + " (exported with git archive and built apart)")
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "Contracts", "Grains", "Segmentation", "Silo", "Client"],
                               cwd=repo, capture_output=True, text=True).stdout.split("\n")
        changed = sorted({line[3:].split("/")[0] for line in dirty if line.strip()})
        return Binaries(root, head + (f" + uncommitted changes in {', '.join(changed)}" if changed else ""))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load():
    return os.getloadavg()[0]


def client(bins, *args, timeout=180):
    done = subprocess.run([bins.client, *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"u2pl {' '.join(args)}: exit {done.returncode}\n{done.stderr}{done.stdout}")
    return done.stdout.strip()


def read_events(bins, run, gateway):
    return [json.loads(line) for line in client(bins, "run", "events", run, "--json", "--cluster", gateway).splitlines() if line.startswith("{")]


def event_time(event):
    """The event's UTC time as seconds since the epoch (.NET prints 7 fraction digits)."""
    text = event["time"]
    head, _, zone = text.partition("+")
    if "." in head:
        head, fraction = head.split(".")
        head += "." + fraction[:6]
    return datetime.datetime.fromisoformat(head + "+" + (zone or "00:00")).timestamp()


class Cluster:
    """u2pl-silo processes on loopback: localhost clustering (`--cluster local`, one silo) or a Redis membership."""

    def __init__(self, bins, work, store=None, cluster_id="u2pl", death_timeout=None, cwd=None):
        # The client commands below join the default cluster id "u2pl": Orleans' gateways refuse another id.
        self.bins, self.work, self.store, self.cluster_id = bins, work, store, cluster_id
        self.cwd = cwd or work  # where the silos resolve a config's relative paths
        self.death_timeout = death_timeout
        self.silos = []  # (port, process, log path)

    def start_silo(self, role, slots):
        port, gateway, health = free_port(), (free_port() if role in ("all", "state") else 0), free_port()
        log = os.path.join(self.work, f"silo-{self.cluster_id}-{port}.log")
        args = [self.bins.silo, "--cluster", self.store or "local", "--cluster-id", self.cluster_id, "--role", role,
                "--gpu-slots", str(slots), "--port", str(port), "--gateway-port", str(gateway), "--health-port", str(health),
                "--data-plane-port", str(free_port()), "--listen", "127.0.0.1"] + (["--insecure"] if self.store else [])
        if self.death_timeout:
            args += ["--death-timeout", str(self.death_timeout)]
        process = subprocess.Popen(args, stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=self.cwd, start_new_session=True)
        self.silos.append((port, process, log))
        deadline = time.time() + 120
        while not ready(health):
            if process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"silo {role} did not start:\n{self.tail()}")
            time.sleep(0.2)
        return f"127.0.0.1:{gateway}" if gateway else None

    def kill(self, silo_address):
        """SIGKILLs the silo named like S127.0.0.1:PORT:GENERATION (Orleans); returns when."""
        port = int(silo_address.split(":")[1])
        process = next(p for q, p, _ in self.silos if q == port)
        killed = time.time()
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        return killed

    def tail(self, lines=30):
        return "\n".join(f"--- {os.path.basename(log)} ---\n" + "\n".join(open(log).read().splitlines()[-lines:]) for _, _, log in self.silos)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        for _, process, _ in self.silos:
            if process.poll() is None:
                process.terminate()
        for _, process, log in self.silos:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Redis:
    """A private redis-server on a free loopback port (as tests/Shared/Cluster/RedisServer.cs), nothing persisted."""

    def __init__(self):
        self.port = free_port()
        self.uri = f"redis://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(["/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--loglevel", "warning"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/tmp", start_new_session=True)
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                if self.process.poll() is not None or time.time() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.2)

    def __exit__(self, *_):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)


def ready(health_port):
    """Whether the silo's /readyz answers 200 (it is active in the membership)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/readyz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


class Watch:
    """`u2pl run status RUN --watch --json`: the run's pushed statuses, each stamped with the time it arrived here."""

    def __init__(self, bins, run, gateway):
        self.statuses, self.events = [], {}
        self._changed = threading.Condition()
        self._process = subprocess.Popen([bins.client, "run", "status", run, "--watch", "--json", "--cluster", gateway],
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self._process.stdout:
            now = time.time()
            if line.startswith("{"):
                status = json.loads(line)
                with self._changed:
                    self.statuses.append((now, status))
                    for e in status.get("recent_events", []):
                        self.events.setdefault(e["sequence"], e)
                    self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def wait(self, condition, timeout):
        deadline = time.time() + timeout
        with self._changed:
            while True:
                if self.statuses and condition(self.statuses[-1][1]):
                    return self.statuses[-1][1]
                if self._process.poll() is not None and not self._reader.is_alive():
                    raise RuntimeError(f"run status --watch ended: {self._process.stderr.read()}")
                if time.time() > deadline:
                    raise TimeoutError(f"not within {timeout} s; last status: {json.dumps(self.statuses[-1][1])[:2000] if self.statuses else None}")
                self._changed.wait(1)

    def first_seen(self):
        seen = {}
        for t, status in self.statuses:
            seen.setdefault(status["iteration"], t)
        return seen

    def worker_steps(self):
        """One sample per (worker, step) reported: bytes, communication and step seconds of that step."""
        steps = {}
        for _, status in self.statuses:
            for w in status["workers"]:
                if w["steps"] > 0:
                    steps.setdefault((w["worker_key"], w["steps"]), w)
        return list(steps.values())

    def __enter__(self):
        return self

    def __exit__(self, *_):
        if self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)


def write_config(work, name, threads, iterations, half=False, lease=60, shape=ASYNC):
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write(CONFIG.format(threads=threads, iterations=iterations, runs=os.path.join(work, "runs"), lease=lease,
                              half="true" if half else "false", mode=shape.mode, batch=shape.batch,
                              micro_batches=shape.micro_batches))
    return path


def slope(points):
    """Least-squares iterations per second through (time, iteration) points."""
    n = len(points)
    if n < 2:
        return float("nan")
    mt = sum(t for t, _ in points) / n
    mi = sum(i for _, i in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (i - mi) for t, i in points) / den if den > 0 else float("nan")


def window(first_seen, lo, hi):
    return [(t, i) for i, t in sorted(first_seen.items()) if lo <= i <= hi]


def peak_rss_mb(pid):
    """The process's peak resident set (VmHWM), in MB; 0 once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return 0.0


class CpuSampler:
    """CPU seconds of some processes (utime + stime in /proc/PID/stat, all threads) and of the whole machine (/proc/stat),
    sampled twice a second: how many cores the measured processes got in a window, and how many the machine was busy.
    Linux's autogroup scheduling shares the cores between sessions, not threads, so a silo with 2 workers next to
    another busy session gets about 1 of the 2 cores."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, pids):
        self.pids, self.samples = list(pids), []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                ours = sum(self._ticks(pid) for pid in self.pids)
                with open("/proc/stat") as f:
                    fields = [int(x) for x in f.readline().split()[1:]]
                self.samples.append((time.time(), ours / self.TICK, (sum(fields) - fields[3] - fields[4]) / self.TICK, sum(fields) / self.TICK))
            except (OSError, ValueError):
                pass
            self._stop.wait(0.5)

    @staticmethod
    def _ticks(pid):
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    def cores(self, t0, t1):
        """(cores the processes used, cores the machine was busy) between the samples nearest inside [t0, t1]."""
        inside = [x for x in self.samples if t0 <= x[0] <= t1]
        if len(inside) < 2:
            return float("nan"), float("nan")
        (a, pa, ba, ta), (b, pb, bb, tb) = inside[0], inside[-1]
        return (pb - pa) / (b - a), (bb - ba) / (tb - ta) * os.cpu_count()

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *_):
        self._stop.set()
        self._thread.join()


def cpu_figures(cpu, first_seen, warmup, steps):
    points = window(first_seen, warmup, warmup + steps)
    ours, machine = cpu.cores(points[0][0], points[-1][0]) if points else (float("nan"), float("nan"))
    return {"cores": ours, "machine_cores": machine}


def single_round(bins, work, threads, warmup, steps, shape=ASYNC):
    config = write_config(work, f"single-t{threads}-b{shape.batch}-m{shape.micro_batches}", threads, warmup + steps + 1, shape=shape)
    first_seen = {}
    started = time.time()
    process = subprocess.Popen([bins.client, "train", "--config", config, "--json"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, cwd=work)
    summary = None
    peak_rss = 0.0
    with CpuSampler([process.pid]) as cpu:
        for line in process.stdout:
            now = time.time()
            peak_rss = max(peak_rss, peak_rss_mb(process.pid))
            if not line.startswith("{"):
                continue
            record = json.loads(line)
            if record.get("type") == "step":
                first_seen.setdefault(record["step"]["iteration"], now)
            elif record.get("type") == "summary":
                summary = record["summary"]
        if process.wait() != 0 or summary is None:
            raise RuntimeError(f"u2pl train failed (exit {process.returncode})")
    rate = slope(window(first_seen, warmup, warmup + steps)) * shape.images_per_step
    return {"images_per_s": rate, "wall_s": time.time() - started, "peak_rss_mb": peak_rss} | cpu_figures(cpu, first_seen, warmup, steps)


def cluster_round(bins, work, threads, workers, slots, warmup, steps, half=False, shape=ASYNC, extra=None):
    """One run through one silo; extra(watch, warmup, steps) adds figures of its own (sync mode's barrier wait)."""
    config = write_config(work, f"cluster-{shape.mode}-b{shape.batch}-m{shape.micro_batches}-t{threads}-w{workers}-{'fp16' if half else 'fp32'}",
                          threads, warmup + steps + 1, half, shape=shape)
    with Cluster(bins, work) as cluster:
        gateway = cluster.start_silo("all", slots)
        run = client(bins, "run", "start", "--config", config, "--workers", str(workers), "--cluster", gateway).splitlines()[-1]
        with Watch(bins, run, gateway) as watch, CpuSampler([p.pid for _, p, _ in cluster.silos]) as cpu:
            final = watch.wait(lambda s: s["is_finished"], 900)
        if final["state"] != "completed":
            raise RuntimeError(f"run {run} ended {final['state']}: {final['message']}\n{cluster.tail()}")
        peak_rss = max(peak_rss_mb(process.pid) for _, process, _ in cluster.silos)
        rate = slope(window(watch.first_seen(), warmup, warmup + steps)) * shape.images_per_step
        samples = [s for s in watch.worker_steps() if s["steps"] > warmup * shape.micro_batches // max(1, workers)]
        return (extra(watch, warmup, steps) if extra else {}) | {
            "images_per_s": rate,
            "bytes_per_step": statistics.mean([s["bytes_per_step"] for s in samples]) if samples else float("nan"),
            "communication_s": median([s["communication_seconds"] for s in samples]),
            "step_s": median([s["step_seconds"] for s in samples]),
            "communication_share": median([s["communication_seconds"] / s["step_seconds"] for s in samples if s["step_seconds"] > 0]),
            "step_samples": len(samples),
            "stale": final.get("stale_gradients", 0),
            "peak_rss_mb": peak_rss,
        } | cpu_figures(cpu, watch.first_seen(), warmup, steps)


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def measure_overhead(bins, work, rounds, warmup, steps, log):
    peers = [("single", lambda: single_round(bins, work, 2, warmup, steps)),
             ("cluster-fp32", lambda: cluster_round(bins, work, 2, 1, 1, warmup, steps)),
             ("cluster-fp16", lambda: cluster_round(bins, work, 2, 1, 1, warmup, steps, half=True))]
    return alternate(peers, rounds, log)


def measure_scaling(bins, work, rounds, warmup, steps, log):
    peers = [("1 worker", lambda: cluster_round(bins, work, 1, 1, 2, warmup, steps)),
             ("2 workers", lambda: cluster_round(bins, work, 1, 2, 2, warmup, 2 * steps))]
    return alternate(peers, rounds, log)


def alternate(peers, rounds, log):
    results = {name: [] for name, _ in peers}
    for r in range(rounds):
        order = peers if r % 2 == 0 else list(reversed(peers))
        for name, measure in order:
            before = load()
            result = measure()
            result["load"] = (before + load()) / 2
            results[name].append(result)
            log(f"round {r + 1} {name}: {json.dumps(result)}")
    return results


def measure_scale_latency(bins, work, rounds, log, shape=ASYNC):
    config = write_config(work, f"scale-{shape.mode}", 1, 200, shape=shape)
    results = []
    for r in range(rounds):
        with Cluster(bins, work) as cluster:
            gateway = cluster.start_silo("all", 2)
            run = client(bins, "run", "start", "--config", config, "--workers", "1", "--cluster", gateway).splitlines()[-1]
            with Watch(bins, run, gateway) as watch:
                watch.wait(lambda s: s["iteration"] >= 3, 600)
                scaled = time.time()
                client(bins, "run", "scale", run, "--workers", "2", "--cluster", gateway)
                watch.wait(lambda s: any(e["kind"] == "joined" and "/1 " in e["message"] for e in s["recent_events"]), 300)
                step = joined_step(next(e for e in watch.events.values() if e["kind"] == "joined" and "/1 " in e["message"]))
                try:  # the step of the new worker's first gradient applied (sync: once all its micro-batches are in)
                    watch.wait(lambda s: s["iteration"] > step, 120)
                except TimeoutError:
                    pass
            events = read_events(bins, run, gateway)
            stop = stop_run(bins, run, gateway, log)
        joined = next(e for e in events if e["kind"] == "joined" and "/1 " in e["message"])
        result = {"seen_s": event_time(joined) - scaled, "message": joined["message"], "stop": stop, "load": load(),
                  "status_steps_s": next((t - scaled for t, s in watch.statuses if t >= scaled and any(
                      w["worker_key"].endswith("/1") and w["steps"] > 0 for w in s["workers"])), float("nan")),
                  "applied_s": next((t - scaled for t, s in watch.statuses if t >= scaled and s["iteration"] > step), float("nan")),
                  "joined_step": step}
        results.append(result)
        log(f"scale round {r + 1}: {json.dumps(result)}")
    return results


def joined_step(event):
    """The step of a `joined` event's first accepted gradient ("... first accepted gradient at iteration 7, ...")."""
    return int(re.search(r"at iteration (\d+)", event["message"]).group(1))


def measure_kill(bins, work, rounds, death_timeout, lease, log, shape=ASYNC):
    config = write_config(work, f"kill-{shape.mode}", 1, 300, lease=lease, shape=shape)
    results = []
    for r in range(rounds):
        with Redis() as redis:  # a fresh store per round, so that every round's cluster can keep the default id
            with Cluster(bins, work, store=redis.uri, death_timeout=death_timeout) as cluster:
                gateway = cluster.start_silo("state", 0)
                cluster.start_silo("gpu", 1)
                cluster.start_silo("gpu", 1)
                run = client(bins, "run", "start", "--config", config, "--workers", "2", "--cluster", gateway).splitlines()[-1]
                with Watch(bins, run, gateway) as watch:
                    status = watch.wait(lambda s: sum(e["kind"] == "joined" for e in s["recent_events"]) >= 2 and s["iteration"] >= 4, 600)
                    victim = next(w for w in status["workers"] if w["worker_key"].endswith("/1"))["silo"]
                    killed_at_iteration, killed = status["iteration"], cluster.kill(victim)
                    watch.wait(lambda s: s["iteration"] > killed_at_iteration + 2 and reissued(s) >= 1, 600)
                    timeline = [(t - killed, s["iteration"], s["samples_done"], reissued(s)) for t, s in watch.statuses if t >= killed - 1]
                    try:  # the run declares the silent worker failed a lease timeout + 5 s after its last report
                        watch.wait(lambda s: any(e["kind"] == "failed" for e in s["recent_events"]), 40)
                    except TimeoutError:
                        pass
                events = read_events(bins, run, gateway)
                stop = stop_run(bins, run, gateway, log)
                # The run's event when Orleans' membership reports the silo dead (the run re-issues its leases then).
                declared = min((event_time(e) for e in events if e["kind"] == "failed" and "was declared dead" in e["message"]
                                and event_time(e) >= killed - 1), default=float("nan"))
            result = kill_figures(timeline, killed_at_iteration, events, killed)
            result["declared_dead_s"] = declared - killed
            result["killed_at"] = datetime.datetime.fromtimestamp(killed, datetime.timezone.utc).isoformat()
            result["stop"] = stop
            result["load"] = load()
            results.append(result)
            log(f"kill round {r + 1}: {json.dumps(result)}")
            log("  timeline (s after kill, iteration, samples done, re-issued): " + ", ".join(f"{t:.1f}/{i}/{d}/{x}" for t, i, d, x in timeline[:60]))
            log("  events: " + " | ".join(f"{event_time(e) - killed:+.1f}s [{e['kind']}] {e['message']}" for e in events if event_time(e) >= killed - 1))
    return results


def stop_run(bins, run, gateway, log, timeout=30):
    """`run stop` (a checkpoint, then the workers stop); how long it took, or why it did not finish."""
    started = time.time()
    try:
        client(bins, "run", "stop", run, "--cluster", gateway, timeout=timeout)
        return f"{time.time() - started:.1f} s"
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        log(f"run stop {run} did not finish: {str(e)[:500]}")
        return f"not done in {time.time() - started:.0f} s"


def reissued(status):
    return sum(c.get("reissued", 0) for c in status.get("coverage", []))


def kill_figures(timeline, at_kill, events, killed):
    """Survivor progress: samples done grows; run progress: the contiguous iteration passes the dead worker's lease."""
    samples_at_kill = timeline[0][2]
    survivor = next((t for t, _, d, _ in timeline if t > 0 and d > samples_at_kill), float("nan"))
    reissue = next((t for t, _, _, x in timeline if t > 0 and x >= 1), float("nan"))
    stuck = next((i for t, i, _, x in timeline if t > 0 and x >= 1), at_kill)
    progress = next((t for t, i, _, x in timeline if t > 0 and x >= 1 and i > stuck), float("nan"))
    failed = next((event_time(e) - killed for e in events if e["kind"] == "failed" and event_time(e) > killed), float("nan"))
    return {"survivor_progress_s": survivor, "reissued_s": reissue, "progress_s": progress, "failed_event_s": failed,
            "iteration_at_kill": at_kill}


# --- the section -------------------------------------------------------------------------------------------------

PARAMS = 21_556_808  # `u2pl model summary --arch resnet18 --classes 8 --os 16`

def fmt(value, spec=".2f"):
    return "n/a" if value is None or value != value else format(value, spec)


def runs(values, spec=".2f"):
    return ", ".join(fmt(v, spec) for v in values)


def verdict(value, required, goal, more_is_better=True):
    ok = (lambda v, t: v >= t) if more_is_better else (lambda v, t: v <= t)
    if value != value:
        return "not measured"
    if goal is not None and ok(value, goal):
        return "goal met"
    if required is not None and ok(value, required):
        return "required met, goal not"
    return "**not met**" if required is not None else "**goal not met**"


def overhead_table(results):
    base = [r["images_per_s"] for r in results["single"]]
    lines = ["| path | images/s, median | ratio of medians | median of per-round ratios | bytes moved per step (mean) | "
             "student + teacher + gradient, nominal | communication / step time (median share) | peak RSS (median; silo for the cluster) | runs (images/s) |",
             "|---|---|---|---|---|---|---|---|---|",
             f"| `u2pl train`, one process, 2 threads: **the baseline** | {fmt(median(base))} | 1.00 | 1.00 | 0 | — | — | {rss(results['single'])} | {runs(base)} |"]
    figures = {}
    for name, label, width in (("cluster-fp32", "1 worker through the grains (2 threads), float32 wire", 4),
                               ("cluster-fp16", "the same, `cluster.half_precision_wire: true`", 2)):
        rows = results.get(name, [])
        if not rows:
            continue
        rates = [r["images_per_s"] for r in rows]
        ratio = median(rates) / median(base)
        paired = median([r / b for r, b in zip(rates, base)])
        figures[name] = (ratio, paired)
        mb = median([r["bytes_per_step"] for r in rows]) / 1e6
        share = median([r["communication_share"] for r in rows])
        comm = median([r["communication_s"] for r in rows])
        step = median([r["step_s"] for r in rows])
        lines.append(f"| {label} | {fmt(median(rates))} | **{ratio:.2f}** | **{paired:.2f}** | {mb:.1f} MB | {3 * PARAMS * width / 1e6:.1f} MB | "
                     f"{comm:.2f} s / {step:.2f} s = **{share:.0%}** | {rss(rows, results['single'])} | {runs(rates)} |")
    return "\n".join(lines), figures


def rss(rows, base=None):
    peaks = [r["peak_rss_mb"] for r in rows if "peak_rss_mb" in r]
    if not peaks:
        return "not measured"
    text = f"{median(peaks):.0f} MB"
    if base:
        text += f" (**{median(peaks) / median([r.get('peak_rss_mb', float('nan')) for r in base]):.2f}×** the single process)"
    return text


def scaling_table(results):
    one = [r["images_per_s"] for r in results["1 worker"]]
    two = [r["images_per_s"] for r in results["2 workers"]]
    speedup = median(two) / median(one)
    paired = median([t / o for t, o in zip(two, one)])
    lines = ["| workers × threads (one silo, 2 GPU slots) | total images/s, median | speedup (of medians) | median of per-round speedups | "
             "communication / step time (median share) | runs (images/s) |", "|---|---|---|---|---|---|"]
    for name, rates, s, p in (("1 worker", one, "1.00", "1.00"), ("2 workers", two, f"**{speedup:.2f}×**", f"**{paired:.2f}×**")):
        share = median([r["communication_share"] for r in results[name]])
        lines.append(f"| {name} × 1 thread | {fmt(median(rates))} | {s} | {p} | {share:.0%} | {runs(rates)} |")
    return "\n".join(lines), speedup, paired


def secs(value):
    return "n/a" if value is None or value != value else f"{value:.1f} s"


def section(invocations):
    """The section from one or more invocations (each a --json), every part from every invocation that measured it."""
    first = invocations[0]
    out = ["## Cluster on Orleans (issue 12): one worker vs `u2pl train`, scaling, elasticity\n", "The same measurements as \"Cluster (issue 5 §7)\" (the old runtime), now on Orleans 10.4.2 (Redis membership for the elastic part).\n", "Commands (2 cores; each run under the benchmark lock, from a private copy of the Release build):\n"]
    for n, r in enumerate(invocations, 1):
        out.append(f"{n}. `flock /tmp/u2pl-bench.lock {r['command']}` ({r['started']} to {r['finished'][11:]}, build of {r['commit']}, "
                   f"load average {r['load_start']:.1f} at the start)")
    loads = [x["load"] for r in invocations for key in ("overhead", "scaling") for rows in r.get(key, {}).values() for x in rows]
    loads += [x["load"] for r in invocations for key in ("scale", "kill") for x in r.get(key, [])]
    out += ["", "Other agents' tests and builds ran on the same 2 cores throughout: the 1-minute load average around the runs "
            f"ranged from {min(loads):.1f} to {max(loads):.1f}, and single runs of one peer vary by up to 3×; peers alternate "
            "round by round, and the per-round ratio compares runs a minute apart.\n",
            "Setup: the driver starts the real processes on loopback (`u2pl-silo`, `u2pl run start/status/scale/stop`, `u2pl train`). "
            "Config: `configs/synthetic.yaml` with `sup_only_epoch: 0` (every step semi-supervised), ResNet-18 DeepLabv3+ OS16 "
            f"({PARAMS:,} parameters, 8 classes), batch 4 + 4, 96×96 crops, 2 parameter-server shards, `trainer.max_iterations` = "
            f"{first['args']['warmup']} warm-up + {first['args']['steps']} timed + 1. Images/s = 8 × the least-squares slope of the run's "
            "iteration over time, over the timed iterations (cluster: the status the run pushes once a second; `u2pl train`: its "
            "step lines), so start-up, the final checkpoint and the evaluation do not count.\n"]
    parts = [("overhead", overhead_part), ("scaling", scaling_part), ("scale", scale_part), ("kill", kill_part)]
    for key, render in parts:
        measured = [(n, r) for n, r in enumerate(invocations, 1) if key in r]
        if measured:
            out += render(measured)
    out += ["### Accuracy parity on CamVid 1/8\n",
            "Measured by `bench/camvid_pretrained.py --cluster-seeds 0` (2 workers through the cluster vs `u2pl train`, the "
            "pretrained CamVid protocol, same budget in samples): see \"CamVid 1/8 with the ImageNet encoder\" below.\n"]
    return "\n".join(out)


def overhead_part(measured):
    out = ["### Overhead of the cluster: one worker through the grains vs `u2pl train`\n",
           "One silo `--cluster local --role all --gpu-slots 1` hosts the run, the shards, the banks and the worker "
           "(`cluster.worker_threads: 2`); `u2pl train` uses `trainer.threads: 2`. \"Student + teacher + gradient\" is 3 × the "
           "parameters at 4 or 2 bytes, what a step moves when the teacher travels; since 83670dd a worker whose gradient was "
           "the only one the shard applied repeats the shard's teacher step itself and pulls only the student (so one worker "
           "moves about 2 × the parameters). The rest is BN statistics, the step's negatives and the bank-cache refresh every 10 "
           "steps. Communication = the worker's time in pulls and pushes, per step.\n"]
    for n, r in measured:
        table, figures = overhead_table(r["overhead"])
        out += [f"Invocation {n}:\n", table, ""]
        for name, (ratio, paired) in figures.items():
            out.append(f"- {name}: ratio {ratio:.2f} (paired {paired:.2f}); judged on the lower of the two: required ≥ 0.90 "
                       f"{verdict(min(ratio, paired), 0.90, 0.97)}.")
        out.append("")
    return out


def scaling_part(measured):
    out = ["### Scaling on this machine: 2 workers × 1 thread vs 1 worker × 1 thread\n",
           "One silo `--role all --gpu-slots 2`, `cluster.worker_threads: 1`; the 2-worker runs time twice as many iterations.\n"]
    for n, r in measured:
        table, speedup, paired = scaling_table(r["scaling"])
        out += [f"Invocation {n}:\n", table, "", f"- speedup {speedup:.2f}× (paired {paired:.2f}×); judged on the lower of the two: "
                f"goal ≥ 1.8× {verdict(min(speedup, paired), None, 1.8)}.", ""]
    return out


def scale_part(measured):
    out = ["### Elastic latency: `run scale` 1 → 2 workers\n",
           "`run scale RUN --workers 2` on a run training with 1 worker (one silo `--role all --gpu-slots 2`, 1 thread per worker), "
           "timed from the command's start to the time of the run's `joined` event (the new worker's first accepted gradient).\n"]
    for n, r in measured:
        seen = [x["seen_s"] for x in r["scale"]]
        out.append(f"- invocation {n}: median **{median(seen):.1f} s** (runs {runs(seen, '.1f')} s): goal ≤ 10 s "
                   f"{verdict(median(seen), None, 10, False)}. The run's own account: "
                   + "; ".join(f"\"{x['message'].split(': ', 1)[-1]}\"" for x in r["scale"]) + ".")
    return out + [""]


def kill_part(measured):
    out = ["### Elastic latency: SIGKILL of a worker silo\n"]
    for n, r in measured:
        args, k = r["args"], r["kill"]
        progress = [x["progress_s"] for x in k]
        goal = args["death_timeout"] + 10
        out += [f"Invocation {n}: a private PostgreSQL 15 (membership), one `state` silo (run, shards, banks, gateway) and two `gpu` "
                f"silos with 1 slot each, `--death-timeout {args['death_timeout']:g}`, `cluster.lease_timeout_seconds: "
                f"{args['lease_timeout']:g}`, 2 workers × 1 thread; the silo of worker 1 is SIGKILLed once both train and the run "
                "is past iteration 4. Seconds after the kill; the run's iteration is the contiguous count of completed steps.\n",
                "| round | silo declared dead (membership) | survivor's next step done | dead worker's lease re-issued | "
                "**run's iteration moves again** | `failed` event (worker restarted) | `run stop` afterwards |",
                "|---|---|---|---|---|---|---|"]
        for i, x in enumerate(k, 1):
            out.append(f"| {i} | {secs(x.get('declared_dead_s'))} | {secs(x['survivor_progress_s'])} | {secs(x['reissued_s'])} | "
                       f"**{secs(x['progress_s'])}** | {secs(x['failed_event_s'])} | {x.get('stop', '')} |")
        out += ["", f"- progress again: median **{median(progress):.1f} s**: goal ≤ death timeout + 10 s = {goal:g} s "
                f"{verdict(median(progress), None, goal, False)}.", ""]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=3, help="iterations left out at the start of every run")
    parser.add_argument("--steps", type=int, default=15, help="timed iterations per run (2 workers: twice as many)")
    parser.add_argument("--parts", default="overhead,scaling,elastic", help="overhead, scaling, elastic (= scale + kill)")
    parser.add_argument("--scaling-rounds", type=int, default=None, help="rounds of the scaling part (default --rounds)")
    parser.add_argument("--elastic-rounds", type=int, default=3)
    parser.add_argument("--death-timeout", type=float, default=5)
    parser.add_argument("--lease-timeout", type=float, default=10)
    parser.add_argument("--json", default=None, help="write every figure here")
    parser.add_argument("--markdown", default=None, help="write the section into this RESULTS.md")
    parser.add_argument("--keep-logs", default=None, help="copy every silo log here at the end")
    parser.add_argument("--build", default=None, help="take the Release binaries from this exported, built tree (see Binaries.copy)")
    parser.add_argument("--from-json", default=None, help="only write the section from earlier --json files (a comma list)")
    args = parser.parse_args()
    if args.from_json:
        invocations = []
        for path in args.from_json.split(","):
            with open(path) as f:
                invocations.append(json.load(f))
        write(invocations, args.markdown)
        return
    os.environ.setdefault("U2PL_CLUSTER_KEY", "cluster-bench-key-0123456789abcdef")  # the silos and clients started here
    work = tempfile.mkdtemp(prefix="u2pl-cbench-")
    bins = Binaries.copy(REPO, work, args.build)
    results = {"args": vars(args), "commit": bins.commit, "command": " ".join(["/usr/bin/python3", "bench/cluster_bench.py"] + sys.argv[1:]), "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "load_start": load()}

    def log(line):
        print(f"[{time.strftime('%H:%M:%S')}] {line}", flush=True)

    try:
        parts = args.parts.split(",")
        if "overhead" in parts:
            results["overhead"] = measure_overhead(bins, work, args.rounds, args.warmup, args.steps, log)
        if "scaling" in parts:
            results["scaling"] = measure_scaling(bins, work, args.scaling_rounds or args.rounds, args.warmup + 1, args.steps, log)
        if "elastic" in parts or "scale" in parts:
            results["scale"] = measure_scale_latency(bins, work, args.elastic_rounds, log)
        if "elastic" in parts or "kill" in parts:
            results["kill"] = measure_kill(bins, work, args.elastic_rounds, args.death_timeout, args.lease_timeout, log)
    finally:
        results["finished"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=1)
        if args.keep_logs:
            os.makedirs(args.keep_logs, exist_ok=True)
            for name in os.listdir(work):
                if name.endswith(".log"):
                    shutil.copy(os.path.join(work, name), args.keep_logs)
        shutil.rmtree(work, ignore_errors=True)
    write([results], args.markdown)


def write(invocations, markdown):
    text = section(invocations)
    print(text)
    if markdown:
        replace_section(markdown, text)


if __name__ == "__main__":
    main()
