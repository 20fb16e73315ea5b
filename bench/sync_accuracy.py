#!/usr/bin/python3
"""Issue 20: accuracy of cluster.mode: sync. 2 sync workers against `u2pl train` with the same trainer.micro_batches
(M = 2), one process with M = 1 (the cost of micro-batching), and 2 async workers beside them; the final checkpoints
of the one process (M = 2) and of the other runs compared tensor by tensor. Two protocols, in
bench/sync_accuracy_protocols.py: the built-in synthetic scenes at full length, and CamVid 1/8 with the ImageNet
encoder, optionally truncated.

Usage (from anywhere; runs from the repository root so the config's relative paths resolve):
  flock /tmp/u2pl-bench.lock /usr/bin/python3 bench/sync_accuracy.py [--protocol synthetic|camvid] [--max-iterations N]
      [--out runs/sync-accuracy[-camvid]] [--runs train-m2,train-m1,sync2,async2] [--report-only]
  e.g. --protocol camvid --max-iterations 243: the 2 warm-up epochs and the first semi-supervised epoch (of 10).

Synthetic protocol: configs/synthetic.yaml as it is (seed 0, 240 synthetic scenes 128×160, 30 labeled, 4 epochs × 53 steps,
sup_only_epoch 1, batch 4 + 4, 96² crops, trainer.micro_batches 2), evaluated on its 60 val scenes after every epoch;
the evaluated model is the EMA teacher after the warm-up. Every run uses one libtorch thread per model replica:
`u2pl train --set trainer.threads=1`, and `u2pl demo --set cluster.worker_threads=1` (a silo in the demo's process,
role all, the same grains as u2pl-silo; 2 workers × 1 thread, --no-scale). Sync is the default cluster.mode.
CamVid protocol: configs/camvid-1-8-pretrained.yaml (trainer.micro_batches 1 there), so M is set on every run but async.
The Client and Silo bin folders are copied to a private temporary directory first, so a rebuild of the tree during the
runs changes nothing. A finished run leaves result.json beside its checkpoints and is not run again (delete --out for
a fresh measurement).
"""
import argparse
import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checkpoint_diff import COMPARED, compare  # noqa: E402
from results_md import replace_section  # noqa: E402
from sync_accuracy_protocols import PROTOCOLS, pct, signed  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def command_of(protocol, name, u2pl, directory, sets=()):
    _, kind, extra = protocol["runs"][name]
    extra = extra + [a for s in sets for a in ("--set", s)]
    config = protocol["config"]
    if kind == "train":
        return [u2pl, "train", "--config", config, "--set", "trainer.threads=1", "--set", f"saver.snapshot_dir={directory}", "--json"] + extra
    return [u2pl, "demo", "--config", config, "--no-scale", "--workers", "2", "--out", directory, "--images", "0",
            "--set", "cluster.worker_threads=1"] + extra


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def private_binaries(directory):
    """Copies Client/ and Silo/ bin folders to directory; returns the copied u2pl."""
    for project in ("Client", "Silo"):
        source = os.path.join(ROOT, project, "bin", "Release", "net10.0")
        if not os.path.isdir(source):
            sys.exit(f"{source} is missing: run ./build.sh first")
        shutil.copytree(source, os.path.join(directory, project), symlinks=True)
    return os.path.join(directory, "Client", "u2pl")


def run_one(protocol, name, u2pl, directory, sets, attempts):
    """Runs once; a failed attempt (a libtorch error, say) is moved aside into failed-attempt-N/ and the run starts
    again from scratch, up to attempts times; the failures are kept in result.json."""
    failures = sorted((json.load(open(path)) for path in glob.glob(os.path.join(directory, "failed-attempt-*", "failure.json"))),
                      key=lambda f: f["attempt"])
    for attempt in range(len(failures) + 1, len(failures) + attempts + 1):
        os.makedirs(directory, exist_ok=True)
        command = command_of(protocol, name, u2pl, directory, sets)
        shown = shlex.join(["u2pl"] + command[1:]).replace(ROOT + "/", "")
        print(f"{name}: {shown}", file=sys.stderr, flush=True)
        started, load_start = now(), loadavg()
        begin = time.monotonic()
        with open(os.path.join(directory, "stdout.txt"), "w") as out, open(os.path.join(directory, "stderr.txt"), "w") as err:
            code = subprocess.run(command, cwd=ROOT, stdout=out, stderr=err, check=False).returncode
        seconds = time.monotonic() - begin
        stdout = open(os.path.join(directory, "stdout.txt")).read()
        if code == 0:
            break
        stderr = open(os.path.join(directory, "stderr.txt")).read()
        error = next((line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith(("frame #", "["))), "?")
        steps = re.findall(r'"iteration":(\d+)', stdout) or re.findall(r"step (\d+)/\d+", stderr)
        failure = {"attempt": attempt, "started": started, "exit": code, "error": error, "last_step": int(steps[-1]) if steps else 0,
                   "seconds": round(seconds)}
        failures.append(failure)
        aside = os.path.join(directory, f"failed-attempt-{attempt}")
        os.makedirs(aside)
        for entry in os.listdir(directory):
            if not entry.startswith("failed-attempt-"):
                shutil.move(os.path.join(directory, entry), aside)
        with open(os.path.join(aside, "failure.json"), "w") as f:
            json.dump(failure, f, indent=1)
        print(f"{name}: attempt {attempt} failed ({code}) after step {failure['last_step']}: {error}; kept in {aside}", file=sys.stderr, flush=True)
    else:
        sys.exit(f"{name} failed {attempts} times: {shown}")
    label, kind, _ = protocol["runs"][name]
    result = {"name": name, "label": label, "command": shown, "started": started, "ended": now(),
              "load_start": load_start, "load_end": loadavg(), "seconds": seconds, "failed_attempts": failures}
    result.update(parse_train(stdout) if kind == "train" else parse_demo(stdout, directory))
    with open(os.path.join(directory, "result.json"), "w") as f:
        json.dump(result, f, indent=1)
    print(f"{name}: final {result['final'] * 100:.2f} ({result['model']}), best {result['best'] * 100:.2f}, "
          f"{seconds / 60:.1f} min", file=sys.stderr, flush=True)
    return result


def parse_train(stdout):
    lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    evals = [line["eval"] for line in lines if line["type"] == "eval"]
    summary = next(line["summary"] for line in lines if line["type"] == "summary")
    return {"final": evals[-1]["miou"], "model": evals[-1]["model"], "best": summary["BestMeanIoU"],
            "curve": [(e["model"], round(e["miou"] * 100, 2)) for e in evals], "iterations": summary["Iterations"],
            "checkpoint": summary["Checkpoint"]}


def parse_demo(stdout, directory):
    # "12:00:00 [evaluated] it 53: epoch 1: val mIoU 41.61 (student)", or "(student, 47 s on S127.0.0.1:...)"
    curve = [(m.group(3), float(m.group(2)), int(m.group(1)))
             for m in re.finditer(r"\[evaluated\] it (\d+): epoch \d+: val mIoU ([\d.]+) \((\w+)[,)]", stdout)]
    final = re.search(r"^completed: (\d+)/\d+ iterations .*final val mIoU ([\d.]+) \(best ([\d.]+)\)$", stdout, re.M)
    if final is None:
        sys.exit(f"no 'completed: ... final val mIoU' line in {directory}/stdout.txt")
    checkpoint = re.search(r"^checkpoint (.+)$", stdout, re.M)
    path = checkpoint.group(1).strip() if checkpoint else ""
    if not path.endswith(".safetensors"):
        found = glob.glob(os.path.join(directory, "**", "last.safetensors"), recursive=True)
        path = found[0] if found else path
    iterations, value = int(final.group(1)), float(final.group(2))
    # The model the final evaluation used, as the final checkpoint's sidecar names it.
    sidecar = os.path.splitext(path)[0] + ".json"
    model = json.load(open(sidecar)).get("evaluated_model", "?") if os.path.exists(sidecar) else (curve[-1][0] if curve else "?")
    missing_final_event = not curve or curve[-1][2] != iterations
    if missing_final_event:
        # The demo printed no [evaluated] line for the final evaluation (its completed line still gives the value).
        curve.append((model, value, iterations))
    return {"final": value / 100, "model": model, "best": float(final.group(3)) / 100, "curve": [(m, v) for m, v, _ in curve],
            "iterations": iterations, "checkpoint": path, "missing_final_event": missing_final_event}


def error_events(stdout_path):
    """How many `[error]` or `[failed]` events the demo printed (a worker's failed step among them)."""
    with open(stdout_path) as f:
        return sum(1 for line in f if re.match(r"\S+ \[(error|failed)\]", line))


# --- the section --------------------------------------------------------------------------------------------------------
def write(args, protocol, found, comparisons, context):
    runs, steps = protocol["runs"], protocol["max_steps"]
    lines = [protocol["heading"] + protocol["heading_suffix"], "",
             f"Command: `{context['command']}` (written {context['written']} UTC, HEAD `{context['head']}`, "
             f"{os.cpu_count()} cores shared with other engineers' builds and tests; load averages {context['load_start']} at the start, "
             f"{context['load_end']} at the end; results under `{os.path.relpath(args.out, ROOT)}`).",
             f"Binaries: `Client/bin/Release/net10.0` and `Silo/bin/Release/net10.0` as built at {context['built']} UTC, copied to a "
             "private temporary directory before the runs." + (f" The tree had uncommitted changes to product code when this ran "
                                                            f"({context['dirty']}); the binaries were built after those files were last written."
                                                            if context["dirty"] else ""),
             protocol["describe"](steps) + " One libtorch "
             "thread per model replica: the one-process runs on 1 thread, the clusters 2 workers × 1 thread in the `u2pl demo` process "
             "(a silo in the process, role all, the same grains as `u2pl-silo`, `--no-scale`). The async run has the same budget in "
             f"samples ({steps} updates of 4 + 4 images, each one worker's whole batch, applied as it arrives; trainer.micro_batches is "
             "ignored in async mode).", "",
             "| run | command | final val mIoU (teacher) | best val mIoU | − one process, M = 2 | per epoch | wall time | UTC, load at start → end |",
             "|---|---|---|---|---|---|---|---|"]
    reference = found.get("train-m2")
    for name, (label, _, _) in runs.items():
        r = found.get(name)
        if r is None:
            lines.append(f"| {label} | not run | | | | | | |")
            continue
        versus = signed((r['final'] - reference['final']) * 100) if reference and name != "train-m2" else "—"
        curve = ", ".join(f"{v:.2f}" + ("s" if m == "student" else "") for m, v in r["curve"])
        minutes = f"{int(r['seconds'] // 60)} min {r['seconds'] % 60:02.0f} s"
        lines.append(f"| {r['label']} | `{r['command']}` | {pct(r['final'])} | {pct(r['best'])} | {versus} | {curve} | {minutes} | "
                     f"{r['started'][11:16]}–{r['ended'][11:16]}, {r['load_start'].split()[0]} → {r['load_end'].split()[0]} |")
    lines += ["", f"Per epoch: val mIoU after each of the {steps // protocol['steps_per_epoch']} epochs (s: the student, during the warm-up; otherwise the EMA teacher). "
              "The cluster figures are the run's `evaluated` events and the demo's final line, printed to 2 decimals; `u2pl train`'s "
              "come from its `--json` eval lines and summary. Wall time: the whole command, the cluster's including its silo's start "
              "and stop.", ""]
    notes = []
    if context.get("carried"):
        carried = context["carried"]
        notes.append(f"- Carried over from an earlier invocation (`--earlier {carried['path']}`): "
                     f"{', '.join(runs[name][0] for name in carried['names'])}, and their checkpoint comparison; source: {carried['source']}. "
                     "The checkpoints of the runs measured now could not be compared with one process, M = 2, whose checkpoint went with them.")
    for name in runs:
        r = found.get(name)
        for f in (r or {}).get("failed_attempts", []):
            notes.append(f"- {r['label']}: attempt {f['attempt']} (started {f['started']} UTC) failed after step {f['last_step']} of {steps} "
                         f"with exit {f['exit']}, `{f['error'].split('  (Could')[0]}`; the run was started again from scratch (the figures above are the "
                         f"attempt that finished; the failed one is kept in `{name}/failed-attempt-{f['attempt']}/`)" + (f"; {f['note']}" if f.get("note") else "") + ".")
        if r and r.get("missing_final_event"):
            notes.append(f"- {r['label']}: the demo printed no `[evaluated]` line for the final evaluation; its last per-epoch value is "
                         "the demo's final line, and its model is the one the final checkpoint's sidecar (`last.json`) names.")
    if notes:
        lines += notes + [""]
    if comparisons:
        lines += [f"Final checkpoints (`last.safetensors`, step {steps}) compared tensor by tensor against one process with M = 2 over "
                  "`student.*`, `teacher.*` (parameters and BN buffers), `optimizer.*` (SGD momentum) and `memory_bank.*`; "
                  "max |Δ| over the tensors that are not bit-equal:", "",
                  "| checkpoint vs one process, M = 2 | all tensors: bit-equal / compared | max \\|Δ\\| | student.* | teacher.* | optimizer.* | memory_bank.* | shape or dtype mismatches |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, c in comparisons.items():
            group = lambda p: f"{c['groups'][p]['equal']}/{c['groups'][p]['tensors']}" + (f" (max {c['groups'][p]['max']:.3g})" if c["groups"][p]["max"] else "")  # noqa: E731
            lines.append(f"| {runs[name][0]} | {c['total']['equal']}/{c['total']['tensors']} | {c['total']['max']:.3g} | "
                         + " | ".join(group(p) for p in COMPARED) + f" | {len(c['problems'])} |")
        lines.append("")
        differing = [(name, c) for name, c in comparisons.items() if c["worst"] or c["problems"]]
        for name, c in differing:
            lines.append(f"- {runs[name][0]}: largest differences {', '.join(c['worst'][:4])}"
                         + (f"; mismatches: {'; '.join(c['problems'][:4])}" if c["problems"] else "") + ".")
        if differing:
            lines.append("")
    lines += reading(protocol, found, comparisons)
    section = "\n".join(lines) + "\n"
    replace_section(args.results, section)
    print(section)


def reading(protocol, found, comparisons):
    steps = protocol["max_steps"]
    m2, m1, sync, asyn = (found.get(n) for n in ("train-m2", "train-m1", "sync2", "async2"))
    out = [f"Reading ({datetime.now(timezone.utc):%Y-%m-%d}, one seed, one run each)."]
    if m2 and sync:
        d = (sync["final"] - m2["final"]) * 100
        c = comparisons.get("sync2")
        equal = c and c["total"]["equal"] == c["total"]["tensors"] and not c["problems"]
        out.append(f"**2 sync workers vs one process with the same M = 2: {signed(d)} points ({pct(sync['final'])} vs {pct(m2['final'])}), "
                   f"{'within' if abs(d) <= 0.5 else 'outside'} the 0.5 asked.**" +
                   (f" The two final checkpoints are bit-for-bit equal ({c['total']['equal']} of {c['total']['tensors']} tensors), so the "
                    "figures are those of one model evaluated twice; the equality the tests show on tiny configs holds here over "
                    f"{steps} full-size steps, the warm-up, CutMix, Lu, Lc and the memory banks included." if equal else
                    (f" The final checkpoints are not bit-equal ({c['total']['equal']} of {c['total']['tensors']} tensors, max |Δ| "
                     f"{c['total']['max']:.3g})." if c else "")))
    if m2 and m1:
        d = (m2["final"] - m1["final"]) * 100
        out.append(f"**Micro-batching itself (one process, M = 2 vs M = 1): {signed(d)} points** ({pct(m2['final'])} vs {pct(m1['final'])}). "
                   "M = 2 computes BatchNorm statistics over 2 + 2 images instead of 4 + 4, and γt, λu, the anchors and the CutMix "
                   "boxes per micro-batch, so it is a different (equally valid) training run, not a rounding of M = 1; with one seed "
                   "each, how much of the difference is the seed's is not measured here.")
    if m2 and asyn:
        out += protocol["read_async"](asyn, m2, m1)
    loads = [float(r[k].split()[0]) for r in found.values() for k in ("load_start", "load_end")]
    if loads:
        out.append(f"**Wall times do not compare:** the one-process runs use 1 core and the clusters 2 (2 workers × 1 thread), and the "
                   f"machine was shared throughout (1-minute load {min(loads):.1f} to {max(loads):.1f} at the runs' starts and ends, "
                   "against 2 cores); accuracy and the checkpoints do not depend on the load.")
    failed = [f for r in found.values() for f in r.get("failed_attempts", [])]
    failed_clusters = [r["label"] for r in found.values() if r.get("failed_attempts") and r["name"] not in ("train-m2", "train-m1")]
    errors = {r["label"]: r["error_events"] for r in found.values() if r.get("error_events")}
    if errors:
        out.append("The cluster runs' event logs hold `[error]` or `[failed]` lines (a worker's step that failed and was retried, "
                   "say): " + ", ".join(f"{label} {count}" for label, count in errors.items()) + ".")
    if failed:
        scalar = all("Unknown scalar type" in f["error"] or "Expected false to be true" in f["error"] for f in failed)
        out.append(f"**{len(failed)} attempt(s) of {'the runs' if failed_clusters else '`u2pl train`'} failed** "
                   + ("with libtorch's errors of a Scalar freed during a native call (README, \"Implicit Scalars\": `Expected false to "
                      "be true ... toFloat` from `add_`, and `Unknown scalar type` from `add_(Scalar)`)" if scalar else
                      "with " + "; ".join(sorted({f"`{f['error']}`" for f in failed})))
                   + ", at steps " + ", ".join(str(f["last_step"]) for f in failed) + "; one process has no step retry, "
                   "so such a run dies; started again from scratch it finished (it is deterministic, so the figures do not depend on "
                   "the retry). " + (f"Cluster runs that failed as a whole: {', '.join(failed_clusters)}." if failed_clusters else
                                     "" if errors else "The cluster workers met none in these runs."))
    out += protocol["read_scope"](protocol, found)
    return [" ".join(out)]


def protocol_of(args):
    """The PROTOCOLS entry for --protocol with the run's length: max_steps, and the heading's suffix when truncated."""
    protocol = dict(PROTOCOLS[args.protocol], name=args.protocol, max_steps=args.max_iterations or PROTOCOLS[args.protocol]["steps"])
    protocol["heading_suffix"] = f", first {protocol['max_steps']} steps" if protocol["max_steps"] < protocol["steps"] else ""
    return protocol


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--protocol", choices=PROTOCOLS, default="synthetic")
    parser.add_argument("--max-iterations", type=int, help="trainer.max_iterations for every run (the schedules still span all epochs)")
    parser.add_argument("--out", help="the runs' folder (default runs/sync-accuracy for synthetic, runs/sync-accuracy-camvid for camvid)")
    parser.add_argument("--runs", help="which runs, in this order (default all, in the protocol's order)")
    parser.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"))
    parser.add_argument("--set", action="append", default=[], help="a config override added to every run (a smoke test; not the protocol)")
    parser.add_argument("--attempts", type=int, default=3, help="tries of a run that fails (it starts again from scratch)")
    parser.add_argument("--report-only", action="store_true", help="only rewrite the section from the results under --out")
    parser.add_argument("--earlier", help="a JSON file of runs (and checkpoint comparisons) an earlier invocation of the same protocol "
                                          "measured and whose folders are gone: used for the runs not under --out, and said so in the section")
    args = parser.parse_args()
    protocol = protocol_of(args)
    default_runs = ",".join(protocol["runs"])
    args.runs = args.runs or default_runs
    args.out = os.path.abspath(args.out or os.path.join(ROOT, "runs", protocol["out"]))
    sets = args.set + ([f"trainer.max_iterations={args.max_iterations}"] if args.max_iterations else [])
    os.makedirs(args.out, exist_ok=True)
    context_path = os.path.join(args.out, "context.json")
    context = json.load(open(context_path)) if os.path.exists(context_path) else {}
    if not args.report_only:
        client = os.path.join(ROOT, "Client", "bin", "Release", "net10.0", "u2pl")
        dirty = subprocess.run(["git", "status", "--short", "--", "Client", "Contracts", "Grains", "Segmentation", "Silo", "Checkpoints", "Web"],
                               cwd=ROOT, capture_output=True, text=True).stdout.split("\n")
        context = {
            "command": "flock /tmp/u2pl-bench.lock /usr/bin/python3 bench/sync_accuracy.py"
                       + (f" --protocol {args.protocol}" if args.protocol != "synthetic" else "")
                       + (f" --max-iterations {args.max_iterations}" if args.max_iterations else "")
                       + (f" --runs {args.runs}" if args.runs != default_runs else "") + "".join(f" --set {shlex.quote(s)}" for s in args.set),
            "head": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip(),
            "built": datetime.fromtimestamp(os.path.getmtime(client), timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "dirty": ", ".join(line[3:] for line in dirty if line.strip()),
            "load_start": loadavg(),
        }
        print(f"start {now()} UTC, load {context['load_start']}, HEAD {context['head']}", file=sys.stderr, flush=True)
        with open(context_path, "w") as f:  # written now too, so that a stopped invocation can still be reported
            json.dump(context, f, indent=1)
        with tempfile.TemporaryDirectory(prefix="u2pl-sync-accuracy-bin-") as binaries:
            u2pl = private_binaries(binaries)
            for name in args.runs.split(","):
                directory = os.path.join(args.out, name)
                if os.path.exists(os.path.join(directory, "result.json")):
                    print(f"{name}: finished earlier ({directory}/result.json)", file=sys.stderr)
                    continue
                run_one(protocol, name, u2pl, directory, sets, args.attempts)
        context["load_end"] = loadavg()
        print(f"end {now()} UTC, load {context['load_end']}", file=sys.stderr, flush=True)
        with open(context_path, "w") as f:
            json.dump(context, f, indent=1)
    context["written"] = now()[:16]
    found = {}
    for name in protocol["runs"]:
        path = os.path.join(args.out, name, "result.json")
        if os.path.exists(path):
            found[name] = json.load(open(path))
            if protocol["runs"][name][1] == "demo":
                found[name]["error_events"] = error_events(os.path.join(args.out, name, "stdout.txt"))
    earlier = json.load(open(args.earlier)) if args.earlier else {"runs": {}, "comparisons": {}}
    carried = [name for name in protocol["runs"] if name not in found and name in earlier["runs"]]
    for name in carried:
        found[name] = earlier["runs"][name]
    if found and "load_end" not in context:  # a stopped invocation: the load when its last finished run ended
        context["load_end"] = max(found.values(), key=lambda r: r["ended"])["load_end"]
    comparisons = {}
    if "train-m2" in found:
        for name in ("sync2", "train-m1", "async2"):
            if name in found and os.path.exists(found[name]["checkpoint"]) and os.path.exists(found["train-m2"]["checkpoint"]):
                comparisons[name] = compare(found[name]["checkpoint"], found["train-m2"]["checkpoint"])
            elif name in carried and name in earlier["comparisons"]:
                comparisons[name] = earlier["comparisons"][name]
    if carried:
        context["carried"] = {"names": carried, "path": os.path.relpath(os.path.abspath(args.earlier), ROOT), "source": earlier["source"]}
    with open(os.path.join(args.out, "comparisons.json"), "w") as f:
        json.dump(comparisons, f, indent=1)
    write(args, protocol, found, comparisons, context)


if __name__ == "__main__":
    main()
